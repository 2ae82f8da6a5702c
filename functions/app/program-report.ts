import type { ReportCounters } from '../adapters/dynamo/report-counters';
import type { ProgramConfig } from '../config/program';
import { type ProgramReport, programReport, type ReportOptions } from '../domain/measurement/report';

/**
 * The program report from the report counters: three reads of counter items (treated, control,
 * NPS), each one Query per shard, whatever the number of members (docs/measurement.md).
 */
export async function readProgramReport(
  counters: ReportCounters,
  config: Pick<ProgramConfig, 'pointValue' | 'earnRates'>,
  options: ReportOptions = {},
): Promise<ProgramReport> {
  // Every bucket key sorts between '!' and '~' (`ALL`, `D#…`, `M#…`; DynamoDB refuses an empty key value); daily figures are cut to the period in the domain.
  const [treated, control, nps] = await Promise.all([
    counters.read('treated', '!', '~'),
    counters.read('control', '!', '~'),
    counters.read('nps', 'D#', 'D#~'),
  ]);
  return programReport(config, { treated, control, nps }, options);
}

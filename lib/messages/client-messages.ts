import { emailClass, EMAIL_KINDS, InvalidProgramConfigError, parseProgramConfig } from '../../functions/config/program';
import { childPaths, type FlowStep } from '../../functions/config/flows';
import { entryEvent } from '../../functions/domain/flows/steps';
import { InvalidMessagesError, loadMessages } from './load-messages';

/**
 * A client file's input with its messages compiled in: `clients/<name>/messages/*.md` checked
 * against the client's locales and the triggers' variables, every preset it did not write
 * filled with the shipped one. Also requires a postal address in the theme when the client
 * sends marketing mail (CAN-SPAM asks for one in every commercial message).
 *
 * @throws InvalidProgramConfigError naming the file, the locale and the variable of each problem
 */
export function withClientMessages(input: unknown, messagesDir: string, source: string): unknown {
  // Validates everything else first, so the locales the messages are checked against are sound.
  const config = parseProgramConfig(input, source);
  let loaded: ReturnType<typeof loadMessages>;
  try {
    loaded = loadMessages({ dir: messagesDir, locales: config.locales });
  } catch (error) {
    if (!(error instanceof InvalidMessagesError)) throw error;
    throw new InvalidProgramConfigError(
      source,
      error.issues.map((i) => ({ path: `${i.file} (locale ${i.locale})${i.variable ? ` {{${i.variable}}}` : ''}`, message: i.reason })),
    );
  }
  // A flow's email step sends one of the client's own messages (not a preset, whose variables
  // only its preset fills), written for the flow's trigger, so every `{{event.…}}` exists.
  const flowIssues = config.flows.flatMap((flow, i) => {
    const trigger = entryEvent(flow);
    const own = Object.keys(loaded.triggers).sort();
    const issues: { path: string; message: string }[] = [];
    const walk = (steps: readonly FlowStep[], path: string) =>
      steps.forEach((step, j) => {
        const at = `${path}[${j}]`;
        if ('email' in step) {
          const written = loaded.triggers[step.email];
          if (written === undefined)
            issues.push({
              path: `${at}.email`,
              message: `${step.email} is not a flow message of this client (${own.join(', ') || 'none: write one with a trigger in its front matter'})`,
            });
          else if (written !== trigger)
            issues.push({
              path: `${at}.email`,
              message: `${step.email} is written for ${written} events, but this flow starts on ${trigger}`,
            });
        }
        for (const [name, sub] of childPaths(step))
          walk(sub, `${at}${name.map((n) => (typeof n === 'number' ? `[${n}]` : `.${n}`)).join('')}`);
      });
    walk(flow.steps, `flows[${i}].steps`);
    return issues;
  });
  if (flowIssues.length > 0) throw new InvalidProgramConfigError(source, flowIssues);
  // A flow's mail is marketing; the kind counts only when some flow sends mail.
  const flowMail = config.flows.some((f) => JSON.stringify(f.steps).includes('"email":'));
  const marketing = EMAIL_KINDS.some((kind) => (kind !== 'flow' || flowMail) && emailClass(config, kind) === 'marketing');
  if (marketing && !config.theme?.postalAddress) {
    throw new InvalidProgramConfigError(source, [
      { path: 'theme.postalAddress', message: 'is required: the client sends marketing mail, which must show the sender’s postal address' },
    ]);
  }
  return typeof input === 'object' && input !== null ? { ...input, messages: loaded.messages, messageTriggers: loaded.triggers } : input;
}

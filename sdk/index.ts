export * from './src/client';
export { ValidationError } from '../functions/runtime/errors';

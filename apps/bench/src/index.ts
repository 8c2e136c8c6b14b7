/**
 * @tfseg/bench library surface: the pieces of the bench that other programs (and the bench's own tests)
 * can call without going through the CLI.
 */
export { formatZodError, EXIT_BAD_INPUT } from './errors.js';

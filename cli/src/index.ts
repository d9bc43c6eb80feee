/** The CLI as a library, for tests and embedding: run a command line, get its exit code. */
export { main } from './main';
export { EXIT, EXIT_CODES_HELP } from './errors';

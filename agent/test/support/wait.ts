export { nextEvent, nextReport } from '../../../test/fixtures/wait';

// Starts the console's demo broker (fixture.ts) and keeps it running until Ctrl-C:
// `node dist/test/console/demo.js`, then open the printed address.
import { startDemo } from './fixture.js';

const demo = await startDemo();
process.stdout.write(`${demo.consoleUrl}\n`);
const stop = () => void demo.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// Records the URL of every module this process loads, one a line, in the file named by
// WHARF_MODULE_LOG (appended synchronously before the module is evaluated, so the file is
// complete whenever the process looks at it or exits). Loaded with
// `node --import ./dist/test/support/module-log/register.js ...`; without the variable it does
// nothing. Node 22.15+ has in-thread hooks (module.registerHooks, which also see require());
// Node 20 runs module.register's hooks (./hooks.js) on their own thread, where they see every
// ESM import and import(), which is how the broker's modules load.
import { appendFileSync } from 'node:fs';
import * as nodeModule from 'node:module';

type SyncLoad = (url: string, context: unknown, next: (url: string, context: unknown) => unknown) => unknown;
const registerHooks = (nodeModule as unknown as { registerHooks?: (hooks: { load: SyncLoad }) => unknown }).registerHooks;

const file = process.env.WHARF_MODULE_LOG;
if (file !== undefined && file !== '') {
  if (typeof registerHooks === 'function') {
    registerHooks({
      load(url, context, next) {
        appendFileSync(file, `${url}\n`);
        return next(url, context);
      },
    });
  } else {
    nodeModule.register('./hooks.js', import.meta.url, { data: { file } });
  }
}

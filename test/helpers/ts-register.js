// Lets a child process run the TypeScript sources directly (`node -r ./test/helpers/ts-register.js src/main.ts`),
// transpiling each file with the TypeScript compiler API, as jest does through ts-jest. Test use only.
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  module._compile(outputText, filename);
};

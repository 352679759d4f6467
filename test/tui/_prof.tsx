import React from 'react';
import { performance } from 'node:perf_hooks';
import { renderToString } from 'ink';
import { App } from '/work/main/src/tui/App.tsx';
import { CodePane } from '/work/main/src/tui/panes/CodePane.tsx';
import { RegistersPane } from '/work/main/src/tui/panes/RegistersPane.tsx';
import { FakePort } from '/work/main/test/tui/fixtures/fakePort.ts';
import { x86TailCall } from '/work/main/test/tui/fixtures/x86TailCall.ts';
const port = new FakePort(x86TailCall);
const time = (name: string, el: React.ReactElement) => {
  for (let i = 0; i < 5; i++) renderToString(el, { columns: 200 });
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) renderToString(el, { columns: 200 });
  console.log(name, ((performance.now() - t0) / 20).toFixed(2), 'ms');
};
time('app', <App port={port} width={200} height={59} />);
time('code', <CodePane view={x86TailCall} focused={false} width={92} height={35} />);
time('regs', <RegistersPane view={x86TailCall} focused={false} width={58} height={35} />);

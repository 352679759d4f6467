// bpfdbg for VS Code: the `bpfdbg` debug type runs `bpfdbg dap` (stdin/stdout). The
// adapter is the bpfdbg engine itself; this file only says where bpfdbg is
// (setting bpfdbg.path, default `bpfdbg` on PATH). Plain CommonJS: no build step.
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('bpfdbg', {
      createDebugAdapterDescriptor(session) {
        const path = vscode.workspace.getConfiguration('bpfdbg').get('path') || 'bpfdbg';
        const cwd = session.workspaceFolder ? session.workspaceFolder.uri.fsPath : undefined;
        return new vscode.DebugAdapterExecutable(path, ['dap'], cwd ? { cwd } : {});
      },
    }),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };

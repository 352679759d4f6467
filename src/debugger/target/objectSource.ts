// Where object files come from: the file system, or (replaying) the recording's copies
// (record/objectFiles.ts). The main object and every `--load` / `--attach` / `load` file
// are read through one of these, so a recording can hold them all.
import { readFileSync, statSync } from 'node:fs';
import { type Result, err, ok } from '../../common/diag.ts';

export interface ObjectSource {
  read(path: string): Result<Uint8Array>;
}

export const fileSource: ObjectSource = {
  read(path) {
    try {
      if (statSync(path).isDirectory()) return err('debug.is-directory', 'is a directory, not a BPF object', { file: path });
      return ok(new Uint8Array(readFileSync(path)));
    } catch {
      return err('debug.no-such-file', 'no such file', { file: path });
    }
  },
};

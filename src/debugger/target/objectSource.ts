// Where object files come from: the file system, or (replaying) the recording's copies
// (record/objectFiles.ts). The main object and every `--load` / `--attach` / `load` file
// are read through one of these, so a recording can hold them all.
import { statSync } from 'node:fs';
import { INPUT_LIMITS, readBoundedFile } from '../../common/boundedRead.ts';
import { type Result, err } from '../../common/diag.ts';

export interface ObjectSource {
  read(path: string): Result<Uint8Array>;
}

export const fileSource: ObjectSource = {
  read(path) {
    try {
      if (statSync(path).isDirectory()) return err('debug.is-directory', 'is a directory, not a BPF object', { file: path });
      return readBoundedFile(path, INPUT_LIMITS.object, 'a BPF object');
    } catch {
      return err('debug.no-such-file', 'no such file', { file: path });
    }
  },
};

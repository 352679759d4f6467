import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLine } from '../../src/tui/sgr.ts';
import { besides, fitLine, line, lineWidth, nest, printable, span, textOf, truncate, widthOf } from '../../src/tui/styled.ts';
import { TerminalScreen } from './terminalScreen.ts';

describe('styled text', () => {
  it('truncates as Ink does (truncate-end): width - 1 columns and an ellipsis in the style of the text before it', () => {
    const l = [span('abc', { bold: true }), span('defgh', { color: 'red' })];
    assert.equal(textOf(truncate(l, 8)), 'abcdefgh', 'fits: unchanged');
    const t = truncate(l, 5);
    assert.equal(textOf(t), 'abcd…');
    assert.deepEqual(t.at(-1), span('…', { color: 'red' }));
    assert.equal(textOf(truncate(l, 3)), 'ab…');
    assert.deepEqual(truncate(l, 3).at(-1)!.style, { bold: true });
    assert.equal(textOf(truncate(l, 1)), '…');
    assert.deepEqual(truncate(l, 0), []);
  });

  it('measures East Asian wide characters as two columns and never splits one', () => {
    assert.equal(widthOf('ab'), 2);
    assert.equal(widthOf('中文'), 4);
    assert.equal(widthOf('►●○◀│└▶…◆'), 9, 'the markers the panes draw are one column each');
    assert.equal(textOf(truncate(line('中文字'), 4)), '中…');
    assert.equal(lineWidth(fitLine(line('中文字'), 5)), 5);
  });

  it('nests styles as nested <Text>s: the inner colour wins, flags add up', () => {
    assert.deepEqual(nest({ color: 'cyan', inverse: true }, { color: 'red', bold: true }), {
      color: 'red',
      bold: true,
      dim: undefined,
      italic: undefined,
      inverse: true,
    });
    assert.equal(nest({ bold: true }, { bold: false }).bold, true);
  });

  it('places blocks side by side at their widths, padding all but the last', () => {
    const rows = besides(
      [
        { lines: [line('left'), line('a much too long left cell')], width: 8 },
        { lines: [line('right')], width: 6 },
      ],
      3,
    );
    assert.deepEqual(rows.map(textOf), ['left    right', 'a much …', '        ']);
  });

  it('shows control characters in view text as one harmless column each', () => {
    assert.equal(printable('a\tb\x1b[2Jc\x07'), 'a b\ufffd[2Jc\ufffd');
    const s = new TerminalScreen(20, 2);
    s.write(encodeLine(line('x\x1b[2J\ny')));
    assert.equal(s.row(0), 'x\ufffd[2J\ufffdy');
    assert.equal(s.row(1), '');
  });
});

describe('SGR encoding', () => {
  it('switches style only where it changes and ends every row in the default rendition', () => {
    const l = [span('a', { bold: true, color: 'cyan' }), span('b', { bold: true, color: 'cyan' }), span(' c'), span('d', { inverse: true, color: 'gray' })];
    assert.equal(encodeLine(l), '\x1b[1;36mab\x1b[0m c\x1b[7;90md\x1b[0m');
    assert.equal(encodeLine([span('plain')]), 'plain');
  });

  it('gives a terminal the styles the spans ask for', () => {
    const s = new TerminalScreen(20, 1);
    s.write(encodeLine([span('ok', { color: 'green', bold: true }), span(' '), span('x', { dim: true, italic: true, inverse: true })]));
    assert.equal(s.row(0), 'ok x');
    assert.deepEqual(s.styleAt(0, 0), { bold: true, dim: false, italic: false, inverse: false, fg: 32 });
    assert.deepEqual(s.styleAt(2, 0), { bold: false, dim: false, italic: false, inverse: false, fg: 0 });
    assert.deepEqual(s.styleAt(3, 0), { bold: false, dim: true, italic: true, inverse: true, fg: 0 });
  });
});

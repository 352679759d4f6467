// One line of `help`: a command's name, aliases, arguments and summary (the table is in
// commandTable.ts; scriptCommands.ts contributes its rows without importing the table).

export interface CommandInfo {
  name: string;
  aliases: string[];
  args: string;
  help: string;
}

/** An exec command's name, as PATH lookup names it: the last part of a Unix or Windows path, without `.exe`. */
export const commandName = (path: string): string =>
  path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).replace(/\.exe$/i, '');

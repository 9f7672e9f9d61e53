// What an executable's headers say, read here for builds this machine cannot run (macOS, Windows, arm64): the file
// format, the CPU, and for Mach-O the code signature — checked page by page — that a darwin/arm64 executable needs to
// start at all; and an ad-hoc signature for a Mach-O whose signature does not match it (Bun's darwin-x64 output keeps
// its runtime's stale one, oven-sh/bun#39837). The layouts are Apple's (xnu's cs_blobs.h, loader.h).
import { createHash } from 'node:crypto';

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSMAGIC_REQUIREMENTS = 0xfade0c01;
const CS_ADHOC = 0x2;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const HASH_TYPES = { 1: 'sha1', 2: 'sha256' };
const PAGE = 4096;

/** The hash of one page of the code (the last one ends at the code limit), as a CodeDirectory holds it. */
const pageHash = (file, algorithm, page, pageSize, codeLimit) =>
  createHash(algorithm)
    .update(file.subarray(page * pageSize, Math.min((page + 1) * pageSize, codeLimit)))
    .digest();

/** The load commands of a 64-bit Mach-O: each with its offset in the file. */
const loadCommands = (file) => {
  const commands = [];
  let offset = 32;
  for (let i = 0; i < file.readUInt32LE(16); i++) {
    commands.push({ cmd: file.readUInt32LE(offset), offset });
    offset += file.readUInt32LE(offset + 4);
  }
  return commands;
};

const segment = (file, name) =>
  loadCommands(file).find(
    (c) => c.cmd === LC_SEGMENT_64 && file.toString('latin1', c.offset + 8, c.offset + 24).replace(/\0+$/, '') === name,
  );

/** The embedded signature at `offset`: ad hoc or not, what it covers, and how many page hashes match the file. */
const codeSignature = (file, offset) => {
  if (file.readUInt32BE(offset) !== CSMAGIC_EMBEDDED_SIGNATURE) return undefined;
  for (let i = 0; i < file.readUInt32BE(offset + 8); i++) {
    const blob = offset + file.readUInt32BE(offset + 12 + i * 8 + 4);
    if (file.readUInt32BE(blob) !== CSMAGIC_CODEDIRECTORY) continue;
    const hashOffset = file.readUInt32BE(blob + 16);
    const pages = file.readUInt32BE(blob + 28);
    const codeLimit = file.readUInt32BE(blob + 32);
    const hashSize = file.readUInt8(blob + 36);
    const algorithm = HASH_TYPES[file.readUInt8(blob + 37)];
    const pageSize = 2 ** file.readUInt8(blob + 39);
    if (!algorithm) return undefined;
    let pagesMatching = 0;
    for (let page = 0; page < pages; page++) {
      const actual = pageHash(file, algorithm, page, pageSize, codeLimit).subarray(0, hashSize);
      if (actual.equals(file.subarray(blob + hashOffset + page * hashSize, blob + hashOffset + (page + 1) * hashSize))) pagesMatching++;
    }
    const adhoc = (file.readUInt32BE(blob + 12) & CS_ADHOC) !== 0;
    return { adhoc, codeLimit, signatureOffset: offset, pages, pagesMatching };
  }
  return undefined;
};

/**
 * { format: 'elf' | 'macho' | 'pe' | 'unknown', machine (ELF e_machine, Mach-O cputype, PE Machine), signature? }.
 * A Mach-O signature is valid when it is ad hoc or not, covers the file up to itself and every page matches.
 */
export const executableFormat = (file) => {
  if (file.readUInt32BE(0) === 0x7f454c46) return { format: 'elf', machine: file.readUInt16LE(0x12) };
  if (file.readUInt32LE(0) === 0xfeedfacf) {
    const command = loadCommands(file).find((c) => c.cmd === LC_CODE_SIGNATURE);
    const signature = command && codeSignature(file, file.readUInt32LE(command.offset + 8));
    return { format: 'macho', machine: file.readUInt32LE(4), ...(signature ? { signature } : {}) };
  }
  if (file.readUInt16LE(0) === 0x5a4d) {
    const pe = file.readUInt32LE(0x3c);
    if (file.readUInt32LE(pe) === 0x4550) return { format: 'pe', machine: file.readUInt16LE(pe + 4) };
  }
  return { format: 'unknown', machine: 0 };
};

/** Whether a Mach-O carries a signature that matches every byte before it. */
export const validlySigned = (file) => {
  const { signature } = executableFormat(file);
  return !!signature && signature.codeLimit === signature.signatureOffset && signature.pagesMatching === signature.pages;
};

/**
 * The Mach-O with its signature replaced by an ad-hoc one over every byte before it (as `codesign --sign -` makes:
 * a CodeDirectory of SHA-256 page hashes and an empty requirement set). The signature stays where it was, at the end
 * of __LINKEDIT; the load commands are updated for its size before the pages are hashed.
 */
export const signAdHoc = (input, identifier) => {
  const command = loadCommands(input).find((c) => c.cmd === LC_CODE_SIGNATURE);
  const linkedit = segment(input, '__LINKEDIT');
  const text = segment(input, '__TEXT');
  if (!command || !linkedit || !text) throw new Error('not a Mach-O with a code signature and __LINKEDIT');
  const codeLimit = input.readUInt32LE(command.offset + 8);
  const pages = Math.ceil(codeLimit / PAGE);
  const ident = Buffer.from(`${identifier}\0`);
  const requirements = Buffer.alloc(12);
  requirements.writeUInt32BE(CSMAGIC_REQUIREMENTS, 0);
  requirements.writeUInt32BE(12, 4);
  const specialSlots = 2; // -1: Info.plist (none), -2: the requirements
  const hashOffset = 88 + ident.length + specialSlots * 32;
  const directoryLength = hashOffset + pages * 32;
  const superLength = 12 + 2 * 8 + directoryLength + requirements.length;
  const size = Math.ceil(superLength / 16) * 16;

  const file = Buffer.alloc(codeLimit + size);
  input.copy(file, 0, 0, codeLimit);
  file.writeUInt32LE(size, command.offset + 12);
  const linkeditFileoff = Number(file.readBigUInt64LE(linkedit.offset + 40));
  const linkeditSize = BigInt(codeLimit + size - linkeditFileoff);
  file.writeBigUInt64LE(linkeditSize, linkedit.offset + 48); // filesize
  file.writeBigUInt64LE(((linkeditSize + 0x3fffn) / 0x4000n) * 0x4000n, linkedit.offset + 32); // vmsize

  const directory = Buffer.alloc(directoryLength);
  directory.writeUInt32BE(CSMAGIC_CODEDIRECTORY, 0);
  directory.writeUInt32BE(directoryLength, 4);
  directory.writeUInt32BE(0x20400, 8);
  directory.writeUInt32BE(CS_ADHOC, 12);
  directory.writeUInt32BE(hashOffset, 16);
  directory.writeUInt32BE(88, 20);
  directory.writeUInt32BE(specialSlots, 24);
  directory.writeUInt32BE(pages, 28);
  directory.writeUInt32BE(codeLimit, 32);
  directory.writeUInt8(32, 36); // hash size
  directory.writeUInt8(2, 37); // SHA-256
  directory.writeUInt8(12, 39); // 4096-byte pages
  directory.writeBigUInt64BE(file.readBigUInt64LE(text.offset + 40), 64); // exec segment: __TEXT's file range
  directory.writeBigUInt64BE(file.readBigUInt64LE(text.offset + 48), 72);
  directory.writeBigUInt64BE(BigInt(CS_EXECSEG_MAIN_BINARY), 80);
  ident.copy(directory, 88);
  createHash('sha256')
    .update(requirements)
    .digest()
    .copy(directory, hashOffset - 2 * 32);
  for (let page = 0; page < pages; page++) pageHash(file, 'sha256', page, PAGE, codeLimit).copy(directory, hashOffset + page * 32);

  const superBlob = file.subarray(codeLimit);
  superBlob.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, 0);
  superBlob.writeUInt32BE(superLength, 4);
  superBlob.writeUInt32BE(2, 8);
  superBlob.writeUInt32BE(0, 12); // the CodeDirectory
  superBlob.writeUInt32BE(28, 16);
  superBlob.writeUInt32BE(2, 20); // the requirements
  superBlob.writeUInt32BE(28 + directoryLength, 24);
  directory.copy(superBlob, 28);
  requirements.copy(superBlob, 28 + directoryLength);
  return file;
};

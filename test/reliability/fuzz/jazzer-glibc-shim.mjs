#!/usr/bin/env node
// Makes Jazzer.js's prebuilt libFuzzer addon load on glibc 2.36 / GCC 12 (Debian 12).
//
// Why: @jazzer.js/fuzzer 4.0.0 ships prebuilds/fuzzer-linux-x64.node built against glibc 2.38
// and GCC 13's libstdc++. It needs three symbols of those versions: __isoc23_strtol and
// __isoc23_strtoul (C23's strtol/strtoul, which also accept a "0b" prefix) and
// std::ios_base_library_init (an anchor GCC 13's <iostream> references so the newer libstdc++
// is linked; it is never called). Older Jazzer.js versions download their addon from GitHub at
// install time, which this network refuses, and building it needs the project's C++ sources
// and clang's libFuzzer. So this script rebinds the first two to the plain strtol/strtoul every
// glibc has (libFuzzer parses its -flags with them; a "0b" flag value is the only difference),
// makes the anchor an undefined weak symbol, and marks the GLIBC_2.38 and GLIBCXX_3.4.32
// requirements weak: in place, idempotently, in node_modules only (never in the repository).
// Run by the fuzz runner (reliability/fuzz/run.ts) before it starts Jazzer.js.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const fuzzerDir = dirname(require.resolve('@jazzer.js/fuzzer/package.json'));
const file = join(fuzzerDir, 'prebuilds', `fuzzer-linux-${process.arch}.node`);
if (process.platform !== 'linux' || !existsSync(file)) process.exit(0);

const elf = readFileSync(file);
if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) {
  console.error(`[jazzer-shim] ${file}: not a little-endian ELF64 file`);
  process.exit(1);
}
const shoff = Number(elf.readBigUInt64LE(0x28));
const shentsize = elf.readUInt16LE(0x3a);
const shnum = elf.readUInt16LE(0x3c);
const sections = [];
for (let i = 0; i < shnum; i++) {
  const at = shoff + i * shentsize;
  sections.push({
    type: elf.readUInt32LE(at + 4),
    offset: Number(elf.readBigUInt64LE(at + 0x18)),
    size: Number(elf.readBigUInt64LE(at + 0x20)),
    link: elf.readUInt32LE(at + 0x28),
    entsize: Number(elf.readBigUInt64LE(at + 0x38)),
  });
}
const SHT_DYNSYM = 11, SHT_GNU_verneed = 0x6ffffffe, SHT_GNU_versym = 0x6fffffff;
const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
const versym = sections.find((s) => s.type === SHT_GNU_versym);
const verneed = sections.find((s) => s.type === SHT_GNU_verneed);
if (!dynsym || !versym || !verneed) process.exit(0);
const dynstr = sections[dynsym.link];
const str = (off) => {
  const start = dynstr.offset + off;
  return elf.toString('latin1', start, elf.indexOf(0, start));
};

let changed = 0;
const PREFIX = '__isoc23_';
const STB_WEAK = 2;
for (let i = 0; i * dynsym.entsize < dynsym.size; i++) {
  const at = dynsym.offset + i * dynsym.entsize;
  const name = str(elf.readUInt32LE(at));
  if (name === '__isoc23_strtol' || name === '__isoc23_strtoul') {
    elf.writeUInt32LE(elf.readUInt32LE(at) + PREFIX.length, at); // now names strtol / strtoul
    elf.writeUInt16LE(1, versym.offset + i * 2); // VER_NDX_GLOBAL: the default version
    changed++;
  } else if (name === '_ZSt21ios_base_library_initv' && elf[at + 4] >> 4 !== STB_WEAK) {
    elf[at + 4] = (STB_WEAK << 4) | (elf[at + 4] & 0xf); // undefined weak: resolves to 0
    elf.writeUInt16LE(1, versym.offset + i * 2);
    changed++;
  }
}
// Verneed entries: { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 },
// each with vn_cnt Vernaux { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }.
const VER_FLG_WEAK = 2;
for (let vn = verneed.offset; ; ) {
  const cnt = elf.readUInt16LE(vn + 2);
  for (let k = 0, aux = vn + elf.readUInt32LE(vn + 8); k < cnt; k++) {
    if ((str(elf.readUInt32LE(aux + 8)) === 'GLIBC_2.38' || str(elf.readUInt32LE(aux + 8)) === 'GLIBCXX_3.4.32') && !(elf.readUInt16LE(aux + 4) & VER_FLG_WEAK)) {
      elf.writeUInt16LE(elf.readUInt16LE(aux + 4) | VER_FLG_WEAK, aux + 4);
      changed++;
    }
    const next = elf.readUInt32LE(aux + 12);
    if (next === 0) break;
    aux += next;
  }
  const next = elf.readUInt32LE(vn + 12);
  if (next === 0) break;
  vn += next;
}
if (changed > 0) {
  writeFileSync(file, elf);
  console.error(`[jazzer-shim] ${file}: ${changed} glibc 2.38 / GLIBCXX_3.4.32 references rebound`);
}

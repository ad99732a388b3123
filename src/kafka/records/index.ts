export * from './batch.js';
export * from './compression.js';
export * from './control.js';
export * from './crc32c.js';

/** The pixel size a PNG or JPEG file declares, read from its header (PNG IHDR, JPEG SOFn). */
export function imageSize(file: Buffer): { type: 'image/png' | 'image/jpeg'; width: number; height: number } {
  if (file.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) && file.toString('ascii', 12, 16) === 'IHDR') {
    return { type: 'image/png', width: file.readUInt32BE(16), height: file.readUInt32BE(20) };
  }
  if (file[0] === 0xff && file[1] === 0xd8) {
    let at = 2;
    while (at + 9 < file.length && file[at] === 0xff) {
      const marker = file[at + 1]!;
      const length = file.readUInt16BE(at + 2);
      // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { type: 'image/jpeg', height: file.readUInt16BE(at + 5), width: file.readUInt16BE(at + 7) };
      }
      at += 2 + length;
    }
  }
  throw new Error('not a PNG or JPEG file with a size in its header');
}

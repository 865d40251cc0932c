// Draws Patchwell's icon (a blue rounded square with a white patch across it) and writes every size the
// installers need: build/icons/NxN.png (Linux), build/icon.png, build/icon.ico (Windows), build/icon.icns
// (macOS). No image library: shapes by signed distance, 4×4 supersampling, PNG via node:zlib.
// Run: node scripts/make-icons.mjs (the outputs are committed).
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const OUT = path.resolve('build');
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

const clamp = (x, a, b) => Math.max(a, Math.min(b, x));
function roundedBox(px, py, cx, cy, hw, hh, r) {
  const qx = Math.abs(px - cx) - hw + r;
  const qy = Math.abs(py - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}
function rotate(x, y, cx, cy, a) {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c];
}

/** Colour of one point in unit coordinates (0..1): premultiplied-free RGBA 0..255. */
function shade(x, y) {
  const bg = roundedBox(x, y, 0.5, 0.5, 0.46, 0.46, 0.2);
  if (bg > 0) return null;
  // Background: blue, a little lighter at the top.
  let col = [31 + 30 * (1 - y), 95 + 40 * (1 - y), 191 + 30 * (1 - y)];
  const [rx, ry] = rotate(x, y, 0.5, 0.5, -Math.PI / 4);
  const strip = roundedBox(rx, ry, 0.5, 0.5, 0.36, 0.13, 0.13);
  if (strip <= 0) {
    col = [255, 255, 255];
    const pad = roundedBox(rx, ry, 0.5, 0.5, 0.11, 0.1, 0.03);
    if (pad <= 0) col = [214, 228, 247];
    for (const [dx, dy] of [[-0.05, -0.045], [0.05, -0.045], [-0.05, 0.045], [0.05, 0.045]]) {
      if (Math.hypot(rx - (0.5 + dx), ry - (0.5 + dy)) < 0.016) col = [31, 95, 191];
    }
  }
  return col;
}

function render(size) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sj = 0; sj < S; sj++) {
        for (let si = 0; si < S; si++) {
          const c = shade((i + (si + 0.5) / S) / size, (j + (sj + 0.5) / S) / size);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a += 1;
        }
      }
      const o = (j * size + i) * 4;
      if (a > 0) {
        px[o] = clamp(Math.round(r / a), 0, 255);
        px[o + 1] = clamp(Math.round(g / a), 0, 255);
        px[o + 2] = clamp(Math.round(b / a), 0, 255);
      }
      px[o + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  return px;
}

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const byte of buf) c = CRC[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const pngs = new Map(SIZES.map((s) => [s, png(s, render(s))]));
fs.mkdirSync(path.join(OUT, 'icons'), { recursive: true });
for (const [s, buf] of pngs) fs.writeFileSync(path.join(OUT, 'icons', `${s}x${s}.png`), buf);
fs.writeFileSync(path.join(OUT, 'icon.png'), pngs.get(1024));

// ICO: PNG-compressed entries (Windows Vista and later), 256 written as 0 in the directory.
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
const header = Buffer.alloc(6 + 16 * icoSizes.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(icoSizes.length, 4);
let offset = header.length;
icoSizes.forEach((s, i) => {
  const e = 6 + i * 16;
  header[e] = s >= 256 ? 0 : s;
  header[e + 1] = s >= 256 ? 0 : s;
  header.writeUInt16LE(1, e + 4);
  header.writeUInt16LE(32, e + 6);
  header.writeUInt32LE(pngs.get(s).length, e + 8);
  header.writeUInt32LE(offset, e + 12);
  offset += pngs.get(s).length;
});
fs.writeFileSync(path.join(OUT, 'icon.ico'), Buffer.concat([header, ...icoSizes.map((s) => pngs.get(s))]));

// ICNS: PNG payloads under their OSType codes.
const icns = [['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024]].map(([type, s]) => {
  const h = Buffer.alloc(8);
  h.write(type, 0, 'ascii');
  h.writeUInt32BE(pngs.get(s).length + 8, 4);
  return Buffer.concat([h, pngs.get(s)]);
});
const body = Buffer.concat(icns);
const icnsHeader = Buffer.alloc(8);
icnsHeader.write('icns', 0, 'ascii');
icnsHeader.writeUInt32BE(body.length + 8, 4);
fs.writeFileSync(path.join(OUT, 'icon.icns'), Buffer.concat([icnsHeader, body]));
console.log(`icons written to ${OUT}: ${SIZES.join(', ')} px, icon.ico, icon.icns`);

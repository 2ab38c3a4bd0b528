// What a spectator downloads to run the app: the wasm, its JS glue, our CSS, and
// Leaflet's JS and CSS, each compressed with brotli at the quality the server uses
// for static files (tower-http's default, 4) and at the maximum (11, what a
// pre-compressing CDN would serve). Prints JSON.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

// Also required by bench/wasm_floor.sh for `br`, so both measure the same way.
const br = (buf, q) => zlib.brotliCompressSync(buf, {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
}).length;
module.exports = { br };

if (require.main === module) {
  const site = process.argv[2] || 'target/site';
  const files = ['pkg/spectate.wasm', 'pkg/spectate.js', 'pkg/spectate.css',
    'vendor/leaflet/leaflet.js', 'vendor/leaflet/leaflet.css'];
  const rows = files.map((f) => {
    const buf = fs.readFileSync(path.join(site, f));
    return { file: f, raw: buf.length, br4: br(buf, 4), br11: br(buf, 11) };
  });
  const total = (k) => rows.reduce((s, r) => s + r[k], 0);
  console.log(JSON.stringify({ files: rows, total_raw: total('raw'), total_br4: total('br4'), total_br11: total('br11') }, null, 1));
}

// Peer for the benchmarks: Node with the `ws` package, topics kept in a Map of Sets.
// Speaks the subset of Spectate's protocol v1 that `spectate load` uses: subscribe
// (with ack), publish (numbered event to the topic's other subscribers), ping.
// Run: PORT=3003 node node-server.js
const { WebSocketServer } = require("ws");

const port = Number(process.env.PORT || 3003);
const topics = new Map();
const seqs = new Map();

function ack(ws, id) {
  if (id !== undefined) ws.send(JSON.stringify({ type: "ack", id }));
}

const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on("connection", (ws) => {
  const mine = new Set();
  ws.on("message", (raw) => {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      ws.send('{"type":"error","code":"bad_json"}');
      return;
    }
    switch (msg.type) {
      case "subscribe":
        for (const topic of msg.topics) {
          if (!topics.has(topic)) topics.set(topic, new Set());
          topics.get(topic).add(ws);
          mine.add(topic);
        }
        ack(ws, msg.id);
        break;
      case "publish": {
        const seq = (seqs.get(msg.topic) || 0) + 1;
        seqs.set(msg.topic, seq);
        // Encoded once into a Buffer, shared by every recipient.
        const frame = Buffer.from(JSON.stringify({ type: "event", topic: msg.topic, seq, data: msg.data }));
        for (const sub of topics.get(msg.topic) || []) {
          if (sub !== ws && sub.readyState === 1) sub.send(frame, { binary: false });
        }
        ack(ws, msg.id);
        break;
      }
      case "ping":
        ws.send(JSON.stringify({ type: "pong", id: msg.id }));
        break;
      default:
        ws.send('{"type":"error","code":"bad_message"}');
    }
  });
  ws.on("close", () => {
    for (const topic of mine) topics.get(topic)?.delete(ws);
  });
});
console.log(`Node ws peer listening on 127.0.0.1:${port}`);

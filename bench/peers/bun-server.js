// Peer for the benchmarks: Bun.serve (uWebSockets inside) with topic publish.
// Speaks the subset of Spectate's protocol v1 that `spectate load` uses: subscribe
// (with ack), publish (numbered event to the topic's other subscribers), ping.
// Run: PORT=3002 bun bun-server.js
const port = Number(process.env.PORT || 3002);
const seqs = new Map();

function ack(ws, id) {
  if (id !== undefined) ws.send(JSON.stringify({ type: "ack", id }));
}

Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch(req, server) {
    if (server.upgrade(req)) return undefined;
    return new Response("Bun peer: upgrade to a WebSocket\n");
  },
  websocket: {
    perMessageDeflate: false,
    idleTimeout: 960,
    maxPayloadLength: 64 * 1024,
    message(ws, raw) {
      let msg;
      try {
        msg = JSON.parse(raw);
      } catch {
        ws.send('{"type":"error","code":"bad_json"}');
        return;
      }
      switch (msg.type) {
        case "subscribe":
          for (const topic of msg.topics) ws.subscribe(topic);
          ack(ws, msg.id);
          break;
        case "publish": {
          const seq = (seqs.get(msg.topic) || 0) + 1;
          seqs.set(msg.topic, seq);
          // Encoded once; uWS shares it with every subscriber (the sender excluded).
          ws.publish(msg.topic, JSON.stringify({ type: "event", topic: msg.topic, seq, data: msg.data }));
          ack(ws, msg.id);
          break;
        }
        case "ping":
          ws.send(JSON.stringify({ type: "pong", id: msg.id }));
          break;
        default:
          ws.send('{"type":"error","code":"bad_message"}');
      }
    },
  },
});
console.log(`Bun peer listening on 127.0.0.1:${port}`);

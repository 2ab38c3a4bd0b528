//! Client sockets for the load tool: where to connect, from which source address,
//! and the few frame helpers the scenarios share.
//!
//! One process can hold only ~28k ephemeral ports per (source, destination) pair, so
//! sockets are spread over 127.0.0.1, 127.0.0.2, ... (`--sources`).

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt, stream};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::{WebSocketStream, tungstenite::Message};

use super::{LoadArgs, LoadError, proc_stats};

/// An open client socket.
pub type Ws = WebSocketStream<TcpStream>;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// The nodes: (address, `ws://HOST:PORT`).
    nodes: Vec<(SocketAddr, String)>,
    /// The v1 socket path.
    pub path: String,
    /// The server's pids (a cluster's nodes and its Redis), for /proc readings.
    pub pids: Vec<u32>,
    sources: u8,
    concurrency: usize,
    quiet: bool,
}

impl Target {
    /// From the command line; only loopback addresses may be loaded.
    pub fn parse(args: &LoadArgs) -> Result<Self, LoadError> {
        let nodes = args
            .url
            .split(',')
            .map(parse_node)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            nodes,
            path: args.path.clone(),
            pids: args.pid.clone(),
            sources: args.sources.max(1),
            concurrency: args.connect_concurrency.max(1),
            quiet: args.quiet,
        })
    }

    /// Connects client number `index` to `path`, from its source address.
    pub async fn connect(&self, index: usize, path: &str) -> Result<Ws, LoadError> {
        let failed = |reason: String| LoadError::Connect { index, reason };
        let socket = TcpSocket::new_v4().map_err(|e| failed(e.to_string()))?;
        if self.sources > 1 {
            let last = 1 + (index % usize::from(self.sources)) as u8;
            let source = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)), 0);
            socket.bind(source).map_err(|e| failed(e.to_string()))?;
        }
        let (addr, base) = &self.nodes[index % self.nodes.len()];
        let stream = socket
            .connect(*addr)
            .await
            .map_err(|e| failed(e.to_string()))?;
        stream
            .set_nodelay(true)
            .map_err(|e| failed(e.to_string()))?;
        let url = format!("{base}{path}");
        let (ws, _) = tokio_tungstenite::client_async(url, stream)
            .await
            .map_err(|e| failed(e.to_string()))?;
        Ok(ws)
    }

    /// Connects clients `first..first + n`, `--connect-concurrency` at a time, in order.
    pub async fn connect_many(
        &self,
        first: usize,
        n: usize,
        path: &str,
    ) -> Result<Vec<Ws>, LoadError> {
        let started = Instant::now();
        let mut out = Vec::with_capacity(n);
        let mut connecting = stream::iter(first..first + n)
            .map(|i| self.connect(i, path))
            .buffered(self.concurrency);
        while let Some(ws) = connecting.next().await {
            out.push(ws?);
            if out.len() % 1000 == 0 {
                self.progress(&format!(
                    "connected {}/{n} in {:.1} s",
                    out.len(),
                    started.elapsed().as_secs_f64()
                ));
            }
        }
        Ok(out)
    }

    /// The HTTP address of the node client `index` uses, `http://HOST:PORT`.
    pub fn http_base(&self, index: usize) -> String {
        self.nodes[index % self.nodes.len()]
            .1
            .replacen("ws://", "http://", 1)
    }

    /// A progress line on stderr (unless `--quiet`).
    pub fn progress(&self, line: &str) {
        if !self.quiet {
            eprintln!("[load] {line}");
        }
    }

    /// The server's CPU time and RSS now (with `--pid`).
    pub fn server_sample(&self) -> Option<proc_stats::ProcSample> {
        let samples: Option<Vec<_>> = self.pids.iter().map(|p| proc_stats::sample(*p)).collect();
        samples
            .filter(|s| !s.is_empty())
            .map(|s| proc_stats::ProcSample {
                cpu_s: s.iter().map(|s| s.cpu_s).sum(),
                rss_kib: s.iter().map(|s| s.rss_kib).sum(),
            })
    }
}

/// One node's `ws://HOST:PORT`; only loopback addresses may be loaded.
fn parse_node(url: &str) -> Result<(SocketAddr, String), LoadError> {
    let bad = |why: &str| LoadError::Url(url.to_owned(), why.to_owned());
    let rest = url
        .trim()
        .strip_prefix("ws://")
        .ok_or_else(|| bad("use ws://HOST:PORT"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let addr: SocketAddr = authority
        .replace("localhost", "127.0.0.1")
        .parse()
        .map_err(|_| bad("HOST:PORT must be an IP address and a port"))?;
    if !addr.ip().is_loopback() {
        return Err(bad("only loopback addresses may be a target of load"));
    }
    Ok((addr, format!("ws://{authority}")))
}

/// Sends one JSON text frame.
pub async fn send(ws: &mut Ws, json: String) -> Result<(), LoadError> {
    ws.send(Message::Text(json.into()))
        .await
        .map_err(|e| LoadError::Lost(e.to_string()))
}

/// Reads frames until one contains `needle`, within `wait`.
pub async fn read_until(ws: &mut Ws, needle: &str, wait: Duration) -> Result<(), LoadError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Err(LoadError::Lost(format!("no {needle} within {wait:?}"))),
            Ok(Some(Ok(Message::Text(text)))) if text.contains(needle) => return Ok(()),
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Err(LoadError::Lost(format!("closed by the server: {frame:?}")));
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(LoadError::Lost(e.to_string())),
            Ok(None) => return Err(LoadError::Lost("connection ended".into())),
        }
    }
}

/// The number after `"key":` in a JSON text, without parsing the whole object: the
/// load tool reads hundreds of thousands of frames per second and must not become
/// the bottleneck it measures.
pub fn number_after(text: &str, key: &str) -> Option<f64> {
    let start = text.find(key)? + key.len();
    let rest = text[start..].trim_start_matches([':', ' ', '"']);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E' | '+')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Microseconds since `start`, as stored in send-time tables (0 means "not sent").
pub fn micros_since(start: Instant) -> u64 {
    start.elapsed().as_micros() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_after_their_key() {
        let frame = r#"{"type":"event","topic":"runner:r-3","seq":12,"data":{"lat":0.0012,"lng":-0.5,"ts":17}}"#;
        assert_eq!(number_after(frame, "\"lat\""), Some(0.0012));
        assert_eq!(number_after(frame, "\"lng\""), Some(-0.5));
        assert_eq!(number_after(frame, "\"seq\""), Some(12.0));
        assert_eq!(
            number_after(r#"{"text":"41|xxxx"}"#, "\"text\""),
            Some(41.0)
        );
        assert_eq!(number_after(frame, "\"nope\""), None);
    }
}

/// Reads text frames into `state` with `on_text` until it returns false (the reader
/// has everything it expects) or `until` passes; returns the state and the socket.
pub fn spawn_reader<S, F>(
    mut ws: Ws,
    until: tokio::time::Instant,
    mut state: S,
    mut on_text: F,
) -> tokio::task::JoinHandle<(S, Ws)>
where
    S: Send + 'static,
    F: FnMut(&mut S, &str) -> bool + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(until, ws.next()).await {
            if let Message::Text(text) = frame
                && !on_text(&mut state, text.as_str())
            {
                break;
            }
        }
        (state, ws)
    })
}

/// What one reader saw of a numbered stream of messages.
#[derive(Debug, Default)]
pub struct Tally {
    /// One bit per message number.
    seen: Vec<u64>,
    /// Distinct messages.
    pub unique: u64,
    /// Messages seen again.
    pub duplicates: u64,
    /// Publish-to-receive latencies, µs.
    pub latencies: Vec<u32>,
}

impl Tally {
    /// Room for message numbers `0..n`.
    pub fn new(n: usize) -> Self {
        Self {
            seen: vec![0; n.div_ceil(64)],
            ..Self::default()
        }
    }

    /// Records message `k`, sent at `sent_us`, received at `now_us`. Unknown numbers
    /// (outside the table) are ignored.
    pub fn record(&mut self, k: usize, sent_us: u64, now_us: u64) {
        let Some(word) = self.seen.get_mut(k / 64) else {
            return;
        };
        let bit = 1u64 << (k % 64);
        if *word & bit != 0 {
            self.duplicates += 1;
            return;
        }
        *word |= bit;
        self.unique += 1;
        if sent_us > 0 {
            self.latencies
                .push(now_us.saturating_sub(sent_us).min(u64::from(u32::MAX)) as u32);
        }
    }
}

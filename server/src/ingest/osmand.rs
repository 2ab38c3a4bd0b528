//! The OsmAnd protocol, as Traccar Client and OsmAnd send it: `GET` or `POST
//! /api/osmand` with query or form parameters, or the JSON body of Traccar Client 9+.
//!
//! - Parameters: `id` (or `deviceid`), `lat` and `lon` (or `location=lat,lon`),
//!   `timestamp` (epoch seconds, epoch milliseconds or ISO 8601), `speed` (knots),
//!   `bearing`/`heading`, `altitude`, `accuracy`, `batt`.
//! - JSON: `{"location":{"timestamp","coords":{"latitude","longitude","accuracy",
//!   "speed" (m/s),"heading","altitude"},"battery":{"level" (0..1)}},"device_id"}`.
//!
//! The protocol has no credentials: the device id must be registered to a runner in
//! the event file (`devices = [...]`), so give devices ids nobody can guess. Unknown
//! ids are answered 404, and an address that names too many is answered 429 for a
//! while, whatever id it names ([`super::device_lookups`]).

use std::{collections::HashMap, time::Instant};

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{Extensions, HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use spectate_app::protocol::{LatLng, RunnerId};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{DeviceFix, error::IngestError};
use crate::proxy::Client;
use crate::state::AppState;

/// Knots to metres per second.
const KNOT_MPS: f64 = 0.514_444;

/// `GET` or `POST /api/osmand`.
pub async fn ingest(
    State(state): State<AppState>,
    extensions: Extensions,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, IngestError> {
    // The client as every per-address limit sees it (behind a trusted proxy, the
    // address it forwarded), so one guesser behind the proxy holds back only itself.
    let peer = Client::of(&extensions).limit_key();
    let lookups = &state.device_lookups;
    lookups.admit(peer, Instant::now()).map_err(|wait| {
        let retry_after_s = wait.as_secs() + 1;
        IngestError::TooManyLookups {
            message: format!(
                "too many unknown device ids from this address (at most {} a minute); try again in {retry_after_s} s",
                lookups.per_minute(),
            ),
            retry_after_s,
        }
    })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (device, fix) = decode(is_json, query.as_deref(), &body)?;
    let runner = runner_for(&state, &device).inspect_err(|_| {
        lookups.missed(peer, Instant::now());
    })?;
    let outcome = state.intake.accept(&runner, &fix, "osmand").await?;
    // The fix went in first (the organisers see where the SOS came from); the phone
    // is answered once the alert is stored, and sends again if it is not.
    if is_sos(is_json, query.as_deref(), &body) {
        state
            .intake
            .sos(&runner, fix.position)
            .await
            .map_err(|err| IngestError::Unavailable(format!("the SOS was not stored: {err}")))?;
    }
    Ok(([("x-spectate-outcome", outcome.as_str())], "OK\n").into_response())
}

/// The device id and fix a request carries: Traccar Client's JSON body when `is_json`,
/// else the query parameters and the form body (the body's win).
pub(crate) fn decode(
    is_json: bool,
    query: Option<&str>,
    body: &[u8],
) -> Result<(String, DeviceFix), IngestError> {
    if is_json {
        return from_json(body);
    }
    let mut params: HashMap<String, String> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| IngestError::BadInput(format!("bad query: {e}")))?;
    if !body.is_empty() {
        let form: HashMap<String, String> = serde_urlencoded::from_bytes(body)
            .map_err(|e| IngestError::BadInput(format!("bad form body: {e}")))?;
        params.extend(form);
    }
    from_params(&params)
}

/// Whether the request carries an SOS: `alarm=sos` among the parameters (Traccar
/// Client's SOS button over the OsmAnd protocol), or `"alarm": "sos"` in the JSON
/// body's `location.extras` or at its top.
fn is_sos(is_json: bool, query: Option<&str>, body: &[u8]) -> bool {
    let sos = |v: Option<&str>| v.is_some_and(|a| a.trim().eq_ignore_ascii_case("sos"));
    if is_json {
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
            return false;
        };
        return sos(json["location"]["extras"]["alarm"].as_str()) || sos(json["alarm"].as_str());
    }
    let params = |text: &[u8]| -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(text).unwrap_or_default()
    };
    params(query.unwrap_or_default().as_bytes())
        .into_iter()
        .chain(params(body))
        .any(|(k, v)| k == "alarm" && sos(Some(&v)))
}

fn runner_for(state: &AppState, device: &str) -> Result<RunnerId, IngestError> {
    state
        .event()
        .and_then(|e| e.runner_for_device(device).cloned())
        .ok_or_else(|| {
            IngestError::UnknownDevice(format!(
                "unknown device id {device:?}: register it under a runner's devices in the event file"
            ))
        })
}

fn number(params: &HashMap<String, String>, keys: &[&str]) -> Result<Option<f64>, IngestError> {
    match keys.iter().find_map(|k| params.get(*k)) {
        None => Ok(None),
        Some(text) => {
            text.trim().parse::<f64>().map(Some).map_err(|_| {
                IngestError::BadInput(format!("{} is not a number: {text:?}", keys[0]))
            })
        }
    }
}

fn from_params(params: &HashMap<String, String>) -> Result<(String, DeviceFix), IngestError> {
    let device = params
        .get("id")
        .or_else(|| params.get("deviceid"))
        .ok_or_else(|| IngestError::BadInput("missing id (or deviceid)".into()))?
        .clone();
    let (lat, lon) = match (number(params, &["lat"])?, number(params, &["lon"])?) {
        (Some(lat), Some(lon)) => (lat, lon),
        _ => {
            let location = params.get("location").ok_or_else(|| {
                IngestError::BadInput("missing lat and lon (or location=lat,lon)".into())
            })?;
            let (lat, lon) = location.split_once(',').ok_or_else(|| {
                IngestError::BadInput(format!("location {location:?} is not lat,lon"))
            })?;
            let parse = |v: &str| {
                v.trim().parse::<f64>().map_err(|_| {
                    IngestError::BadInput(format!("location {location:?} is not lat,lon"))
                })
            };
            (parse(lat)?, parse(lon)?)
        }
    };
    let taken_ms = params
        .get("timestamp")
        .map(|text| parse_time(text))
        .transpose()?;
    Ok((
        device,
        DeviceFix {
            position: LatLng::parse(lat, lon)?,
            taken_ms,
            speed_mps: number(params, &["speed"])?.map(|knots| knots * KNOT_MPS),
            accuracy_m: number(params, &["accuracy"])?,
            altitude_m: number(params, &["altitude"])?,
            battery_pct: number(params, &["batt"])?,
        },
    ))
}

/// Epoch seconds, epoch milliseconds (anything past the year 33658 in seconds), or
/// ISO 8601 / RFC 3339.
fn parse_time(text: &str) -> Result<u64, IngestError> {
    let text = text.trim();
    if let Ok(n) = text.parse::<f64>() {
        if !(n.is_finite() && n >= 0.0) {
            return Err(IngestError::BadInput(format!("bad timestamp {text:?}")));
        }
        return Ok(if n >= 1e12 {
            n as u64
        } else {
            (n * 1000.0) as u64
        });
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000).max(0) as u64)
        .map_err(|_| {
            IngestError::BadInput(format!(
                "timestamp {text:?} is neither epoch seconds, epoch milliseconds nor ISO 8601"
            ))
        })
}

#[derive(Debug, Deserialize)]
struct TraccarJson {
    device_id: String,
    location: TraccarLocation,
}

#[derive(Debug, Deserialize)]
struct TraccarLocation {
    timestamp: Option<serde_json::Value>,
    coords: TraccarCoords,
    battery: Option<TraccarBattery>,
}

#[derive(Debug, Deserialize)]
struct TraccarCoords {
    latitude: f64,
    longitude: f64,
    accuracy: Option<f64>,
    /// m/s.
    speed: Option<f64>,
    altitude: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct TraccarBattery {
    /// 0..1.
    level: Option<f64>,
}

fn from_json(body: &[u8]) -> Result<(String, DeviceFix), IngestError> {
    let json: TraccarJson = serde_json::from_slice(body)
        .map_err(|e| IngestError::BadInput(format!("not a Traccar Client location: {e}")))?;
    let location = json.location;
    let taken_ms = match &location.timestamp {
        None => None,
        Some(serde_json::Value::String(text)) => Some(parse_time(text)?),
        Some(serde_json::Value::Number(n)) => Some(parse_time(&n.to_string())?),
        Some(other) => return Err(IngestError::BadInput(format!("bad timestamp {other}"))),
    };
    let coords = location.coords;
    Ok((
        json.device_id,
        DeviceFix {
            position: LatLng::parse(coords.latitude, coords.longitude)?,
            taken_ms,
            speed_mps: coords.speed,
            accuracy_m: coords.accuracy,
            altitude_m: coords.altitude,
            battery_pct: location.battery.and_then(|b| b.level).map(|l| l * 100.0),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parameters_in_every_accepted_form_normalise_to_one_fix() {
        let (device, a) = from_params(&params(&[
            ("id", "d1"),
            ("lat", "48.5"),
            ("lon", "2.25"),
            ("timestamp", "1700000000"),
            ("speed", "10"),
        ]))
        .unwrap();
        assert_eq!(device, "d1");
        assert_eq!(a.taken_ms, Some(1_700_000_000_000));
        assert!((a.speed_mps.unwrap() - 5.14444).abs() < 1e-6);
        let (_, b) = from_params(&params(&[
            ("deviceid", "d1"),
            ("location", "48.5,2.25"),
            ("timestamp", "1700000000000"),
        ]))
        .unwrap();
        assert_eq!((b.position, b.taken_ms), (a.position, a.taken_ms));
        let (_, c) = from_params(&params(&[
            ("id", "d1"),
            ("lat", "48.5"),
            ("lon", "2.25"),
            ("timestamp", "2023-11-14T22:13:20Z"),
        ]))
        .unwrap();
        assert_eq!(c.taken_ms, a.taken_ms);
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        let err = |p: &[(&str, &str)]| from_params(&params(p)).unwrap_err().to_string();
        assert!(err(&[("lat", "1"), ("lon", "1")]).contains("missing id"));
        assert!(err(&[("id", "d"), ("lat", "x"), ("lon", "1")]).contains("lat is not a number"));
        assert!(err(&[("id", "d"), ("lat", "91"), ("lon", "1")]).contains("lat"));
        assert!(err(&[("id", "d"), ("location", "1;2")]).contains("not lat,lon"));
        assert!(
            err(&[
                ("id", "d"),
                ("lat", "1"),
                ("lon", "1"),
                ("timestamp", "noon")
            ])
            .contains("ISO 8601")
        );
    }

    #[test]
    fn traccar_client_json_is_read() {
        let body = br#"{"location":{"timestamp":"2023-11-14T22:13:20.000Z","coords":{"latitude":48.5,"longitude":2.25,"accuracy":5,"speed":3.5,"heading":90,"altitude":35},"battery":{"level":0.8}},"device_id":"d9"}"#;
        let (device, fix) = from_json(body).unwrap();
        assert_eq!(device, "d9");
        assert_eq!(fix.taken_ms, Some(1_700_000_000_000));
        assert_eq!(fix.speed_mps, Some(3.5));
        assert_eq!(fix.battery_pct, Some(80.0));
    }
}

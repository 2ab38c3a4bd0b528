//! The organisers' door to the alerts, behind the console's sign-in:
//! `GET /admin/alerts` (every alert, newest first, as JSON), `GET /admin/alerts/live`
//! (each alert raised or moved on, as Server-Sent Events), and
//! `POST /admin/alerts/{id}/acknowledge` and `.../resolve` (same-origin only).

use std::{convert::Infallible, time::Duration};

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};

use spectate_app::protocol::{ServerMsg, sos::SosNotice};

use super::{Alert, AlertError, Kind, Stage};
use crate::{
    console::guard::{ApiOrganiser, SameOrigin},
    hub::now_ms,
    state::AppState,
};

impl IntoResponse for AlertError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Stage { .. } => StatusCode::CONFLICT,
            Self::Cluster(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(err) => {
                tracing::error!(%err, "alerts: store failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the store cannot be read or written; try again\n",
                )
                    .into_response();
            }
        };
        (status, format!("{self}\n")).into_response()
    }
}

/// `GET /admin/alerts`.
pub async fn list(
    _: ApiOrganiser,
    State(state): State<AppState>,
) -> Result<Json<Vec<Alert>>, AlertError> {
    Ok(Json(state.alerts.list().await?))
}

/// `POST /admin/alerts/{id}/acknowledge`: the alert as it is now.
pub async fn acknowledge(
    _: SameOrigin,
    ApiOrganiser(organiser): ApiOrganiser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Alert>, AlertError> {
    advance(&state, id, Stage::Acknowledged, &organiser.name).await
}

/// `POST /admin/alerts/{id}/resolve`: the alert as it is now.
pub async fn resolve(
    _: SameOrigin,
    ApiOrganiser(organiser): ApiOrganiser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Alert>, AlertError> {
    advance(&state, id, Stage::Resolved, &organiser.name).await
}

/// Moves alert `id` on to `stage` in `organiser`'s name: the one way both POSTs take.
async fn advance(
    state: &AppState,
    id: i64,
    stage: Stage,
    organiser: &str,
) -> Result<Json<Alert>, AlertError> {
    let alert = state.alerts.advance(id, stage, organiser).await?;
    tell_runner(state, &alert);
    Ok(Json(alert))
}

/// An SOS acknowledged or resolved: the runner's own page is told (an `sos` frame on
/// the sockets that showed their token; PROTOCOL.md). Only SOS: the other alerts are
/// the organisers' own watch, not something the runner asked for. Not the organiser's
/// name: the runner needs to know that someone saw it, and when.
fn tell_runner(state: &AppState, alert: &Alert) {
    let at = match (alert.kind, alert.stage) {
        (Kind::Sos, Stage::Acknowledged) => alert.acknowledged.as_ref(),
        (Kind::Sos, Stage::Resolved) => alert.resolved.as_ref(),
        _ => None,
    };
    let Some(step) = at else {
        return;
    };
    let frame = ServerMsg::Sos(SosNotice {
        alert: alert.id,
        stage: alert.stage,
        at_ms: step.at_ms,
    })
    .encode()
    .into();
    let told = state.hub.access.revocations.tell(&alert.runner, &frame);
    tracing::info!(runner = %alert.runner, id = alert.id, told, "runner told of their SOS");
}

/// How often a quiet live stream checks that its session still holds.
const SESSION_CHECK: Duration = Duration::from_secs(30);

/// `GET /admin/alerts/live`: an `alert` event per alert raised or moved on; a
/// `reload` event if this stream fell behind (nothing is lost: the list has it).
/// The stream ends when its session does (signed out, or ended): that is checked
/// before every event and every [`SESSION_CHECK`].
pub async fn live(
    ApiOrganiser(organiser): ApiOrganiser,
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let alerts = BroadcastStream::new(state.alerts.subscribe()).map(Some);
    let checks = futures::stream::unfold((), |()| async {
        tokio::time::sleep(SESSION_CHECK).await;
        Some((None, ()))
    });
    let key = organiser.session.key();
    let stream = futures::stream::select(alerts, checks)
        .then(move |item| {
            let (store, key) = (state.store.clone(), key.clone());
            async move {
                let holds = matches!(
                    store.session(key).await,
                    Ok(Some(session)) if session.expires_ms > now_ms()
                );
                (holds, item)
            }
        })
        .take_while(|(holds, _)| std::future::ready(*holds))
        .filter_map(|(_, item)| std::future::ready(item.map(|item| Ok(event(item)))));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn event(item: Result<Alert, BroadcastStreamRecvError>) -> Event {
    let reload = || Event::default().event("reload").data("");
    match item {
        Ok(alert) => Event::default()
            .event("alert")
            .json_data(&alert)
            .unwrap_or_else(|_| reload()),
        Err(BroadcastStreamRecvError::Lagged(_)) => reload(),
    }
}

//! Test controls under `/__devorg/`: read the request log and the API counter. Served only to
//! loopback peers (the devorg never binds anything else).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::org::Org;

pub fn router(org: Org) -> Router {
    Router::new()
        .route("/__devorg/log", get(log))
        .with_state(org)
}

async fn log(State(org): State<Org>) -> Json<Value> {
    let state = org.lock();
    Json(json!({ "apiUsed": state.api_used, "apiMax": state.api_max, "requests": state.log }))
}

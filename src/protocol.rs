//! The typed messages between the extension's contexts.
//!
//! Every message is a JSON object `{"v": 1, "kind": "...", ...}`. The service worker validates
//! each one it receives with `Envelope::parse` before acting on it: anything else is refused with
//! `BAD_MESSAGE`. Message kinds are named by who sends them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::call::settings::{PhoneSettings, PhoneSettingsView};
use crate::call::{CallView, PhoneCommand, PhoneState};
use crate::calllog::{
    CallNotes, CallRecord, DroppedField, FieldMapping, KnownRecord, MappingProblem, RecordHistory,
};
use crate::clicktocall::{FieldFacts, PageFacts};
use crate::codes::ErrorCode;
use crate::outbox::Delivery;
use crate::salesforce::capabilities::Capabilities;
use crate::salesforce::id::RecordId;
use crate::salesforce::lookup::Candidate;
use crate::salesforce::retry::ApiUsage;

pub const PROTOCOL_VERSION: u32 = 1;
/// Most candidates one degraded-mode scan may send: a 5,000-row list view has 15,000.
pub const MAX_CANDIDATES: usize = 20_000;
/// A field value longer than this is not a phone number (the number engine's own input limit).
pub const MAX_CANDIDATE_CHARS: usize = 250;

/// How a content script runs on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentMode {
    /// Our wasm runs in the page: full scanning.
    Wasm,
    /// The page's CSP forbids wasm in content scripts: the page gets the reduced mode.
    DegradedCsp,
    /// The wasm failed to load for another reason.
    DegradedFailed,
}

/// The record a dial request was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordContext {
    pub object_api_name: String,
    pub record_id: RecordId,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A request to the worker and the one answer it gets (or a `Refusal`): each request is its own
/// type, named by its `kind` on the wire, and each has its own reply type, so a context cannot
/// send what it has no type for, nor read an answer as another request's.
pub trait Request: Serialize {
    const KIND: &'static str;
    type Reply: Answer;
}

/// An answer of the worker's, named by its `kind` on the wire.
pub trait Answer: Serialize + DeserializeOwned + Into<FromWorker> {
    const KIND: &'static str;
}

macro_rules! requests {
    ($($request:ident => $reply:ident),* $(,)?) => {
        $(impl Request for $request {
            const KIND: &'static str = stringify!($request);
            type Reply = $reply;
        })*
    };
}

/// Content script: before it reads the page, how to read numbers there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHello {}

/// The answer to `ContentHello`: the region national numbers belong to (`JP`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentSetup {
    pub region: String,
}

/// Content script: it started on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentStarted {
    pub mode: ContentMode,
    #[serde(default)]
    pub phone_fields: u32,
}

/// Content script: the user clicked to dial. `number` is E.164, as the number engine wrote it;
/// `extension` the digits dialled once the call is answered (`内線 123`), at most
/// [`MAX_EXTENSION_DIGITS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentDial {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default)]
    pub record: Option<RecordContext>,
}

/// The most digits an extension crossing from a page has.
pub const MAX_EXTENSION_DIGITS: usize = 16;

/// 1 to [`MAX_EXTENSION_DIGITS`] ASCII digits: an extension and nothing else (no pause, no
/// `#`, nothing a page could smuggle into the dial string).
pub fn is_extension(extension: &str) -> bool {
    (1..=MAX_EXTENSION_DIGITS).contains(&extension.len())
        && extension.bytes().all(|b| b.is_ascii_digit())
}

/// Content script, degraded mode (the page's CSP forbids wasm there): phone field candidates
/// for the worker's number engine to decide on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentCandidates {
    pub page: PageFacts,
    pub fields: Vec<CandidateField>,
}

/// The docked panel started: keep this tab informed of the phone's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneHello {}

/// The docked panel: the caller is this record of the popup's card; the call's Task goes on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PickCaller {
    pub call_id: String,
    pub record_id: RecordId,
}

/// The docked panel: "Connect with Salesforce" opens the options page where it is done (the
/// sign-in window is the worker's to open, never a page's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelConnectSalesforce {}

/// The docked panel: send the Task of this (ended) call again, after it failed or waited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelRetryLog {
    pub call_id: String,
}

/// The docked panel: show this earlier call (one of the recent calls the panel lists) with
/// its wrap-up, or the last call again (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelShowCall {
    #[serde(default)]
    pub call_id: Option<String>,
}

/// The docked panel: the user's notes on the call it shows (its Task's comments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelNotes {
    pub call_id: String,
    pub text: String,
}

/// One edit of a call's wrap-up in the docked panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PanelEdit {
    /// The memo tags now chosen (values of the mapped multi-select picklist).
    Memo { tags: Vec<String> },
    /// The user's subject (empty: the admin's template).
    Subject { text: String },
    /// Put the Task on this record, one the worker showed this tab (its card or a search).
    Record {
        #[serde(rename = "recordId")]
        record_id: RecordId,
    },
    /// "Always use this record for this number".
    Pin { on: bool },
}

/// The docked panel: the user changed the wrap-up of the call it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelWrapUp {
    pub call_id: String,
    #[serde(flatten)]
    pub edit: PanelEdit,
}

/// The longest search text the panel sends (SOSL's own limit is far above a name).
pub const MAX_SEARCH_CHARS: usize = 100;

/// The docked panel: find records to put the call's Task on (one SOSL request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelSearch {
    pub call_id: String,
    pub query: String,
}

/// What a record search found (best first), each a link in the logging org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchFound {
    pub records: Vec<crate::calllog::CallerMatch>,
}

/// The object a caller not in the org becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NewRecordKind {
    Lead,
    Contact,
}

impl NewRecordKind {
    pub fn object(self) -> &'static str {
        match self {
            NewRecordKind::Lead => "Lead",
            NewRecordKind::Contact => "Contact",
        }
    }
}

/// Names as a Lead or Contact holds them (`LastName` 80, `FirstName` 40, `Company` 255).
pub const MAX_LAST_NAME_CHARS: usize = 80;
pub const MAX_FIRST_NAME_CHARS: usize = 40;
pub const MAX_COMPANY_CHARS: usize = 255;

/// The docked panel: the caller is not in the org; make them a Lead or a Contact (one API
/// call) with the call's number, and put the Task on the new record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelNewRecord {
    pub call_id: String,
    pub object: NewRecordKind,
    pub last_name: String,
    #[serde(default)]
    pub first_name: String,
    /// A Lead's company (required by Salesforce); unused for a Contact.
    #[serde(default)]
    pub company: String,
}

/// The docked panel's "This record" tab: the calls of the record the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordCalls {
    pub object: String,
    pub record_id: RecordId,
}

/// The docked panel: the user's answer to "call this costly number?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmDial {
    pub dial_id: String,
    pub dial: bool,
}

/// The user asked the phone to do something (the panel's or the options page's controls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub action: PhoneCommand,
}

/// The messages a content script on a Salesforce page may send (the click-to-call scanner and
/// the docked panel), and nothing else: a page that speaks through a content script cannot
/// look records up, write call logs or change settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum FromContent {
    ContentHello(ContentHello),
    ContentStarted(ContentStarted),
    ContentDial(ContentDial),
    ContentCandidates(ContentCandidates),
    PhoneHello(PhoneHello),
    PickCaller(PickCaller),
    ConfirmDial(ConfirmDial),
    Phone(Phone),
    PanelRetryLog(PanelRetryLog),
    PanelConnectSalesforce(PanelConnectSalesforce),
    PanelShowCall(PanelShowCall),
    PanelNotes(PanelNotes),
    PanelWrapUp(PanelWrapUp),
    PanelSearch(PanelSearch),
    PanelNewRecord(PanelNewRecord),
    RecordCalls(RecordCalls),
}

requests! {
    ContentHello => ContentSetup,
    ContentStarted => Ack,
    ContentDial => Ack,
    ContentCandidates => Dialable,
    PhoneHello => PhoneStatus,
    PickCaller => Ack,
    ConfirmDial => Ack,
    Phone => Ack,
    PanelRetryLog => Ack,
    PanelConnectSalesforce => Ack,
    PanelShowCall => Ack,
    PanelNotes => Ack,
    PanelWrapUp => Ack,
    PanelSearch => SearchFound,
    PanelNewRecord => Ack,
    RecordCalls => RecordHistory,
}

/// Options page: what the worker knows about orgs and pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsStatus {}

/// Options page: find the records a number belongs to, in the named org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lookup {
    pub number: String,
    pub org_id: String,
}

/// A finished call, to become one Task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogCall {
    pub org_id: String,
    pub call: Box<CallRecord>,
}

/// The memo tags of a call changed (each change is one API call once the Task exists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMemo {
    pub call_id: String,
    pub tags: Vec<String>,
}

/// The transcript of a call arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTranscript {
    pub call_id: String,
    pub text: String,
}

/// "Write a test call log".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTestCall {
    pub org_id: String,
    pub number: String,
}

/// The call logs and their delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLogs {}

/// Try a failed call log again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryCallLog {
    pub call_id: String,
}

/// The admin's Task field mapping, checked against the org's describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveFieldMapping {
    pub org_id: String,
    pub mapping: FieldMapping,
}

/// Options page: the mapping of one org (the first org's when none is named).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFieldMapping {
    #[serde(default)]
    pub org_id: Option<String>,
}

/// The order in which lookup candidates are preferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveLookupPriority {
    pub priority: Vec<String>,
}

/// The org calls are looked up and logged in, as the user chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveLoggingOrg {
    pub org_id: String,
}

/// Options page: "Connect with Salesforce" (OAuth) for an org that refuses the browser session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectSalesforce {
    pub org_id: String,
}

/// Options page: "Disconnect": the org's token is revoked and forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisconnectSalesforce {
    pub org_id: String,
}

/// Options page: the diagnostics section (and the text "Copy diagnostics" copies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostics {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticsIs {
    pub report: crate::diagnostics::Report,
    /// Redacted plain text for a support ticket.
    pub text: String,
}

/// Options page: "Reset cached org data": the orgs are described again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetOrgData {}

/// Options page: "Retry all": every call log that gave up is sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryAllLogs {}

/// Options page: the Connected App's consumer key (empty: none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveConsumerKey {
    pub consumer_key: String,
}

/// Which clicked numbers ask for the user's yes first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveDialRules {
    pub rules: crate::desk::DialRules,
}

/// Options page: active users by name, for the Tasks' assignee (one SOQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchUsers {
    pub org_id: String,
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersFound {
    pub users: Vec<crate::salesforce::users::UserChoice>,
}

/// When calls are logged: when they end, or after a wrap-up time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveLogPolicy {
    pub policy: crate::desk::LogPolicy,
}

/// The phone settings, without the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsPhoneSettings {}

/// New phone settings (an empty password keeps the stored one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsSavePhoneSettings {
    pub settings: PhoneSettings,
}

/// The messages the extension's options page may send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum FromOptions {
    OptionsStatus(OptionsStatus),
    Lookup(Lookup),
    LogCall(LogCall),
    UpdateMemo(UpdateMemo),
    UpdateTranscript(UpdateTranscript),
    LogTestCall(LogTestCall),
    CallLogs(CallLogs),
    RetryCallLog(RetryCallLog),
    SaveFieldMapping(SaveFieldMapping),
    GetFieldMapping(GetFieldMapping),
    SaveLookupPriority(SaveLookupPriority),
    SaveLoggingOrg(SaveLoggingOrg),
    SaveDialRules(SaveDialRules),
    SaveLogPolicy(SaveLogPolicy),
    SearchUsers(SearchUsers),
    Phone(Phone),
    OptionsPhoneSettings(OptionsPhoneSettings),
    OptionsSavePhoneSettings(OptionsSavePhoneSettings),
    ConnectSalesforce(ConnectSalesforce),
    DisconnectSalesforce(DisconnectSalesforce),
    SaveConsumerKey(SaveConsumerKey),
    Diagnostics(Diagnostics),
    ResetOrgData(ResetOrgData),
    RetryAllLogs(RetryAllLogs),
}

requests! {
    OptionsStatus => Status,
    Lookup => LookupResult,
    LogCall => CallLogged,
    UpdateMemo => CallLogged,
    UpdateTranscript => CallLogged,
    LogTestCall => CallLogged,
    CallLogs => CallLogList,
    RetryCallLog => CallLogged,
    SaveFieldMapping => FieldMappingSaved,
    GetFieldMapping => FieldMappingIs,
    SaveLookupPriority => Ack,
    SaveLoggingOrg => Ack,
    SaveDialRules => Ack,
    SaveLogPolicy => Ack,
    SearchUsers => UsersFound,
    OptionsPhoneSettings => PhoneAccount,
    OptionsSavePhoneSettings => PhoneAccount,
    ConnectSalesforce => Ack,
    DisconnectSalesforce => Ack,
    SaveConsumerKey => Ack,
    Diagnostics => DiagnosticsIs,
    ResetOrgData => Ack,
    RetryAllLogs => Ack,
}

/// What the worker received, by who sent it. The sender is told from the sender's URL (never
/// from the message), and each sender's messages are their own type: a message of another
/// context's does not parse.
// One message at a time, parsed and handled at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ToWorker {
    Content(FromContent),
    Options(FromOptions),
    Phone(FromPhone),
}

/// From the worker to the offscreen document (`target` tells it apart from other messages
/// every extension page receives).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all_fields = "camelCase")]
pub enum ToPhone {
    Settings { settings: PhoneSettings },
    Command { action: PhoneCommand },
}

pub const PHONE_TARGET: &str = "phone";

/// The phone engine's document started: it needs the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneReady {}

/// The phone's state changed (`seq` numbers the reports), and the ended calls the worker has
/// not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneReport {
    pub state: PhoneState,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub ended: Vec<CallView>,
}

/// A recorded call's transcript came back from the transcription service: for its Task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneTranscript {
    pub call_id: String,
    pub text: String,
}

/// The messages the offscreen document (the phone engine) sends the worker.
// One message at a time, built and sent at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum FromPhone {
    PhoneReady(PhoneReady),
    PhoneReport(PhoneReport),
    PhoneTranscript(PhoneTranscript),
}

requests! {
    PhoneReady => PhoneSetup,
    PhoneReport => PhoneReportAck,
    PhoneTranscript => CallLogged,
}

/// From the worker to the content scripts of Lightning tabs.
// One message at a time, built and sent at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all_fields = "camelCase")]
pub enum ToTab {
    PhoneState {
        state: PhoneState,
        /// The caller's card and the call's Task, for the panel.
        #[serde(default)]
        notes: CallNotes,
    },
    /// The keyboard shortcut (`chrome.commands`): open the dialer in this tab.
    OpenDialer,
    /// A click-to-call in this tab was refused: its panel says why (in degraded mode the
    /// panel is a frame the clicking script cannot speak to).
    DialRefused { code: String },
}

/// One candidate phone field found by the degraded-mode walker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateField {
    /// The raw value: a `tel:` href or a component's `value` attribute.
    pub value: String,
    #[serde(default)]
    pub facts: FieldFacts,
}

/// The worker's state of an org connection, as the options page shows it. Kept in
/// `chrome.storage.local` (never the session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgReport {
    pub org_id: String,
    pub ui_host: String,
    pub api_host: String,
    pub api_version: String,
    /// `CONNECTED`, `CHECKING`, or the code that says what is wrong.
    pub state: ErrorCode,
    #[serde(default)]
    pub user_id: Option<String>,
    /// The user's name (`User.Name`), for the diagnostics.
    #[serde(default)]
    pub user_name: Option<String>,
    pub checked_at_ms: u64,
    /// `Organization.OrganizationType`, when the API could tell.
    #[serde(default)]
    pub edition: Option<String>,
    #[serde(default)]
    pub capabilities: Option<Capabilities>,
    /// The last `Sforce-Limit-Info` seen.
    #[serde(default)]
    pub api_usage: Option<ApiUsage>,
    /// After REQUEST_LIMIT_EXCEEDED: no request before this time.
    #[serde(default)]
    pub limited_until_ms: Option<u64>,
}

/// A page a content script reported from, kept for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageReport {
    pub host: String,
    pub mode: ContentMode,
    pub phone_fields: u32,
    pub at_ms: u64,
}

/// Done, nothing to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {}

/// What the worker knows about orgs and pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub orgs: Vec<OrgReport>,
    pub pages: Vec<PageReport>,
    #[serde(default)]
    pub last_dial: Option<DialReport>,
    #[serde(default)]
    pub lookup_priority: Vec<String>,
    /// Where calls are looked up and logged (none until a Salesforce page showed a session).
    #[serde(default)]
    pub logging_org: Option<String>,
    #[serde(default)]
    pub dial_rules: crate::desk::DialRules,
    #[serde(default)]
    pub log_policy: crate::desk::LogPolicy,
    /// The settings the administrator's Chrome policy locks (`crate::policy::KEYS`).
    #[serde(default)]
    pub managed: Vec<String>,
    /// Policy values left out, and why.
    #[serde(default)]
    pub policy_problems: Vec<crate::policy::PolicyProblem>,
    /// The orgs connected with Salesforce by OAuth (the others use the browser session).
    #[serde(default)]
    pub oauth_orgs: Vec<String>,
    /// The Connected App's consumer key (the policy's or the user's), and the callback URL
    /// the Connected App must list.
    #[serde(default)]
    pub consumer_key: Option<String>,
    #[serde(default)]
    pub oauth_callback: String,
}

/// The answer to `ContentCandidates`, in the same order: what each field dials, one dial per
/// number it holds (none for a field that holds no number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialable {
    pub fields: Vec<Vec<DialReport>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupResult {
    pub org_id: String,
    /// Best first; the popup shows the exact ones.
    pub candidates: Vec<Candidate>,
}

/// A call log's state after the worker handled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLogged {
    pub log: CallLogReport,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLogList {
    pub logs: Vec<CallLogReport>,
    /// Stored call logs that could not be read: kept untouched, and reported.
    #[serde(default)]
    pub unreadable: Vec<String>,
}

/// To the offscreen document: the ended calls of its report now stored durably.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneReportAck {
    pub stored: Vec<String>,
}

/// Saved when `problems` is empty; otherwise nothing was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMappingSaved {
    pub problems: Vec<MappingProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMappingIs {
    pub mapping: FieldMapping,
}

/// The phone's state, and the caller's card and the call's Task, for the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneStatus {
    pub state: PhoneState,
    #[serde(default)]
    pub notes: CallNotes,
    /// The region the panel reads national numbers in (the user's dial plan).
    #[serde(default)]
    pub region: String,
}

/// To the offscreen document only: what it needs to run, and a command that waited for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneSetup {
    pub settings: PhoneSettings,
    #[serde(default)]
    pub pending: Option<PhoneCommand>,
}

/// The phone account as the options page shows it (no password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneAccount {
    pub settings: PhoneSettingsView,
}

/// A request refused, or failed: a code every context has words for, and a detail for logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: String,
    pub message: String,
}

impl Refusal {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Refusal {
            code: code.into(),
            message: message.into(),
        }
    }
}

macro_rules! answers {
    ($($variant:ident($answer:ident)),* $(,)?) => {
        /// Answers from the service worker: one of a request's `Reply` type, or `Error`.
        // One message at a time, built and sent at once: its size does not matter.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum FromWorker {
            $($variant($answer),)*
            Error(Refusal),
        }

        $(impl Answer for $answer {
            const KIND: &'static str = stringify!($variant);
        }

        impl From<$answer> for FromWorker {
            fn from(answer: $answer) -> Self {
                FromWorker::$variant(answer)
            }
        })*
    };
}

answers! {
    Ack(Ack),
    ContentSetup(ContentSetup),
    Status(Status),
    Dialable(Dialable),
    LookupResult(LookupResult),
    CallLogged(CallLogged),
    CallLogList(CallLogList),
    PhoneReportAck(PhoneReportAck),
    FieldMappingSaved(FieldMappingSaved),
    FieldMappingIs(FieldMappingIs),
    PhoneStatus(PhoneStatus),
    PhoneSetup(PhoneSetup),
    PhoneSettings(PhoneAccount),
    SearchFound(SearchFound),
    UsersFound(UsersFound),
    RecordHistory(RecordHistory),
    DiagnosticsIs(DiagnosticsIs),
}

impl From<Refusal> for FromWorker {
    fn from(refusal: Refusal) -> Self {
        FromWorker::Error(refusal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialReport {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default)]
    pub record: Option<RecordContext>,
}

/// A call log as the UI shows it (no session, no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogReport {
    pub call_id: String,
    pub org_id: String,
    pub delivery: Delivery,
    pub attempts: u32,
    pub remote_number: String,
    #[serde(default)]
    pub linked: Option<KnownRecord>,
    #[serde(default)]
    pub dropped: Vec<DroppedField>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// A memo or transcript change the Task does not have yet (kept; sent again by itself).
    #[serde(default)]
    pub changes_waiting: bool,
}

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMessage(pub String);

impl BadMessage {
    pub const CODE: &'static str = "BAD_MESSAGE";
}

#[derive(Deserialize)]
struct VersionOnly {
    v: u32,
}

/// Which context sent a message, told from the sender's URL (never from the message itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderContext {
    /// A content script on a Salesforce page.
    SalesforcePage,
    /// One of the extension's own pages (options).
    ExtensionPage,
    /// The offscreen document that runs the phone.
    Offscreen,
    /// The docked phone in its own frame (`panel.html`), in a Lightning tab whose CSP forbids
    /// our wasm in the page. It speaks as the docked panel, and only as it.
    PanelFrame,
}

/// The framed panel's page, relative to the extension's origin.
pub const PANEL_FRAME_PAGE: &str = "panel.html";

/// The offscreen document's page, relative to the extension's origin.
pub const OFFSCREEN_PAGE: &str = "offscreen.html";
/// The service worker's script (the manifest's `background.service_worker`).
pub const WORKER_SCRIPT: &str = "worker.js";

/// The recording player's page (framed by the panel under a recorded call).
pub const RECORDING_PAGE: &str = "recording.html";
/// The name of the port the player asks the phone engine for a recording on.
pub const RECORDING_PORT: &str = "recording";

/// Whether a sender URL is the recording player's (with its `?call=` query): the one page the
/// phone engine hands recordings to.
pub fn is_recording_player(sender_url: &str, extension_origin: &str) -> bool {
    !extension_origin.is_empty()
        && sender_url
            .strip_prefix(extension_origin)
            .and_then(|rest| rest.split(['?', '#']).next())
            .is_some_and(|page| page == RECORDING_PAGE)
}

/// The player asks for a call's recording: what is kept of it, and its audio when `audio`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingAsk {
    pub call_id: String,
    #[serde(default)]
    pub audio: bool,
}

impl RecordingAsk {
    pub fn parse(value: serde_json::Value) -> Result<RecordingAsk, BadMessage> {
        let ask: RecordingAsk =
            serde_json::from_value(value).map_err(|e| BadMessage(e.to_string()))?;
        check_call_id(&ask.call_id)?;
        Ok(ask)
    }
}

/// The phone engine's answer: `kept` is `None` when no recording of the call is kept; `audio`
/// the recording's bytes in base64, when asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingIs {
    pub kept: Option<crate::call::recording::Kept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
}

/// Whether a sender URL is our service worker's: the one context the phone engine obeys.
pub fn is_worker(sender_url: &str, extension_origin: &str) -> bool {
    !extension_origin.is_empty()
        && sender_url
            .strip_prefix(extension_origin)
            .is_some_and(|rest| rest == WORKER_SCRIPT)
}

/// Classifies a sender; `None` means the message is refused whatever it says.
pub fn sender_context(sender_url: &str, extension_origin: &str) -> Option<SenderContext> {
    if !extension_origin.is_empty() && sender_url.starts_with(extension_origin) {
        let page = &sender_url[extension_origin.len()..];
        let page = page.split(['?', '#']).next().unwrap_or(page);
        // A page any site may frame speaks for no one: the player only plays.
        if page == RECORDING_PAGE {
            return None;
        }
        if page == OFFSCREEN_PAGE {
            return Some(SenderContext::Offscreen);
        }
        if page == PANEL_FRAME_PAGE {
            return Some(SenderContext::PanelFrame);
        }
        return Some(SenderContext::ExtensionPage);
    }
    let rest = sender_url.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once(':').map_or(host, |(h, _port)| h);
    crate::salesforce::host::classify(host).map(|_| SenderContext::SalesforcePage)
}

/// The longest transcript, and the most memo tags, a message may carry: what a stored log
/// keeps (as the Task's fields take them).
pub use crate::desk::log::{MAX_MEMO_TAGS, MAX_MEMO_TAG_CHARS, MAX_TRANSCRIPT_CHARS};

/// Parses and validates a message from `context`: the sender's own message type, every field
/// bounded.
pub fn parse_to_worker(
    context: SenderContext,
    value: serde_json::Value,
) -> Result<ToWorker, BadMessage> {
    let version: VersionOnly = serde_json::from_value(value.clone())
        .map_err(|_| BadMessage("the message has no protocol version".into()))?;
    if version.v != PROTOCOL_VERSION {
        return Err(BadMessage(format!(
            "protocol version {} is not {PROTOCOL_VERSION}",
            version.v
        )));
    }
    let not_ours = |e: serde_json::Error| BadMessage(format!("not a message of this sender: {e}"));
    let message = match context {
        SenderContext::SalesforcePage => {
            ToWorker::Content(serde_json::from_value(value).map_err(not_ours)?)
        }
        SenderContext::PanelFrame => {
            let message: FromContent = serde_json::from_value(value).map_err(not_ours)?;
            // The panel's own messages: the scanner's (what the page holds, a dial from
            // it) never come from the frame.
            if !matches!(
                message,
                FromContent::PhoneHello(_)
                    | FromContent::PickCaller(_)
                    | FromContent::ConfirmDial(_)
                    | FromContent::Phone(_)
                    | FromContent::PanelRetryLog(_)
                    | FromContent::PanelConnectSalesforce(_)
                    | FromContent::PanelShowCall(_)
                    | FromContent::PanelNotes(_)
                    | FromContent::PanelWrapUp(_)
                    | FromContent::PanelSearch(_)
                    | FromContent::PanelNewRecord(_)
                    | FromContent::RecordCalls(_)
            ) {
                return Err(BadMessage("not a message of the docked phone".into()));
            }
            ToWorker::Content(message)
        }
        SenderContext::ExtensionPage => {
            ToWorker::Options(serde_json::from_value(value).map_err(not_ours)?)
        }
        SenderContext::Offscreen => {
            ToWorker::Phone(serde_json::from_value(value).map_err(not_ours)?)
        }
    };
    match &message {
        ToWorker::Content(m) => check_content(m)?,
        ToWorker::Options(m) => check_options(m)?,
        ToWorker::Phone(FromPhone::PhoneReport(PhoneReport { ended, .. })) => {
            if ended.len() > MAX_ENDED_CALLS || ended.iter().any(|c| c.call_id.len() > 1024) {
                return Err(BadMessage("too many ended calls in one report".into()));
            }
        }
        ToWorker::Phone(FromPhone::PhoneReady(_)) => {}
        ToWorker::Phone(FromPhone::PhoneTranscript(PhoneTranscript { call_id, text })) => {
            check_transcript(call_id, text)?
        }
    }
    Ok(message)
}

fn check_transcript(call_id: &str, text: &str) -> Result<(), BadMessage> {
    if text.chars().count() > MAX_TRANSCRIPT_CHARS {
        return Err(BadMessage("a transcript holds 32,000 characters".into()));
    }
    check_call_id(call_id)
}

fn check_call_id(id: &str) -> Result<(), BadMessage> {
    if valid_call_id(id) {
        Ok(())
    } else {
        Err(BadMessage(
            "a call id is 1 to 255 printable ASCII characters, without spaces".into(),
        ))
    }
}

fn check_org_id(id: &str) -> Result<(), BadMessage> {
    crate::salesforce::session::OrgId::parse(id)
        .map(|_| ())
        .ok_or_else(|| BadMessage("not an org id".into()))
}

fn check_content(message: &FromContent) -> Result<(), BadMessage> {
    match message {
        FromContent::ContentDial(ContentDial { number, .. }) if !is_e164(number) => {
            Err(BadMessage("a dial carries an E.164 number".into()))
        }
        FromContent::ContentDial(ContentDial {
            extension: Some(extension),
            ..
        }) if !is_extension(extension) => Err(BadMessage(
            "an extension is 1 to 16 digits and nothing else".into(),
        )),
        FromContent::ContentCandidates(ContentCandidates { page, fields }) => {
            let too_long = |s: &str| s.chars().count() > MAX_CANDIDATE_CHARS;
            if fields.len() > MAX_CANDIDATES {
                return Err(BadMessage("too many candidates".into()));
            }
            if page.path.len() > 2048 || page.title.len() > 2048 {
                return Err(BadMessage("the page facts are too long".into()));
            }
            if fields.iter().any(|f| too_long(&f.value)) {
                return Err(BadMessage("a candidate is too long to be a number".into()));
            }
            Ok(())
        }
        FromContent::Phone(Phone { action }) => action.validate().map_err(|e| BadMessage(e.into())),
        FromContent::PickCaller(PickCaller { call_id, .. }) => check_call_id(call_id),
        FromContent::ConfirmDial(ConfirmDial { dial_id, .. }) => check_call_id(dial_id),
        FromContent::PanelRetryLog(PanelRetryLog { call_id }) => check_call_id(call_id),
        FromContent::PanelShowCall(PanelShowCall { call_id }) => {
            call_id.as_deref().map_or(Ok(()), check_call_id)
        }
        FromContent::PanelNotes(PanelNotes { call_id, text }) => {
            if text.chars().count() > crate::desk::log::MAX_NOTES_CHARS {
                return Err(BadMessage("the notes are longer than a Task takes".into()));
            }
            check_call_id(call_id)
        }
        FromContent::PanelWrapUp(PanelWrapUp { call_id, edit }) => {
            match edit {
                PanelEdit::Memo { tags } => {
                    if tags.len() > MAX_MEMO_TAGS
                        || tags.iter().any(|t| t.chars().count() > MAX_MEMO_TAG_CHARS)
                    {
                        return Err(BadMessage("at most 20 memo tags of 255 characters".into()));
                    }
                }
                PanelEdit::Subject { text } => {
                    if text.chars().count() > crate::desk::log::MAX_SUBJECT_CHARS {
                        return Err(BadMessage("a subject holds 255 characters".into()));
                    }
                }
                PanelEdit::Record { .. } | PanelEdit::Pin { .. } => {}
            }
            check_call_id(call_id)
        }
        FromContent::RecordCalls(RecordCalls { object, .. }) => {
            if crate::calllog::HISTORY_OBJECTS.contains(&object.as_str()) {
                Ok(())
            } else {
                Err(BadMessage(
                    "calls are listed for Contact, Lead, Account, Opportunity, Case".into(),
                ))
            }
        }
        FromContent::PanelSearch(PanelSearch { call_id, query }) => {
            if query.chars().count() > MAX_SEARCH_CHARS {
                return Err(BadMessage("a search is at most 100 characters".into()));
            }
            check_call_id(call_id)
        }
        FromContent::PanelNewRecord(PanelNewRecord {
            call_id,
            last_name,
            first_name,
            company,
            ..
        }) => {
            let over = |s: &str, max: usize| s.chars().count() > max;
            if last_name.trim().is_empty()
                || over(last_name, MAX_LAST_NAME_CHARS)
                || over(first_name, MAX_FIRST_NAME_CHARS)
                || over(company, MAX_COMPANY_CHARS)
            {
                return Err(BadMessage(
                    "a new record has a last name (80), a first name (40), a company (255)".into(),
                ));
            }
            check_call_id(call_id)
        }
        _ => Ok(()),
    }
}

fn check_options(message: &FromOptions) -> Result<(), BadMessage> {
    match message {
        FromOptions::Lookup(Lookup { number, org_id }) => {
            if crate::number::dial_string(number).is_none() {
                return Err(BadMessage("the number has no digits".into()));
            }
            check_org_id(org_id)
        }
        FromOptions::LogCall(LogCall { org_id, call }) => {
            check_org_id(org_id)?;
            check_call_id(&call.call_id)
        }
        FromOptions::SaveLoggingOrg(SaveLoggingOrg { org_id }) => check_org_id(org_id),
        FromOptions::SearchUsers(SearchUsers { org_id, query }) => {
            if query.trim().is_empty() || query.chars().count() > MAX_SEARCH_CHARS {
                return Err(BadMessage("a user search is 1 to 100 characters".into()));
            }
            check_org_id(org_id)
        }
        FromOptions::SaveLogPolicy(SaveLogPolicy { policy }) => {
            if crate::desk::WRAP_UP_SECS.contains(&policy.wrap_up_secs) {
                Ok(())
            } else {
                Err(BadMessage("the wrap-up time is 10 to 600 seconds".into()))
            }
        }
        FromOptions::LogTestCall(LogTestCall { org_id, .. })
        | FromOptions::SaveFieldMapping(SaveFieldMapping { org_id, .. })
        | FromOptions::ConnectSalesforce(ConnectSalesforce { org_id })
        | FromOptions::DisconnectSalesforce(DisconnectSalesforce { org_id }) => {
            check_org_id(org_id)
        }
        FromOptions::SaveConsumerKey(SaveConsumerKey { consumer_key }) => {
            if consumer_key.len() <= 256 {
                Ok(())
            } else {
                Err(BadMessage(
                    "a consumer key is at most 256 characters".into(),
                ))
            }
        }
        FromOptions::GetFieldMapping(GetFieldMapping {
            org_id: Some(org_id),
        }) => check_org_id(org_id),
        FromOptions::UpdateMemo(UpdateMemo { call_id, tags }) => {
            if tags.len() > MAX_MEMO_TAGS
                || tags.iter().any(|t| t.chars().count() > MAX_MEMO_TAG_CHARS)
            {
                return Err(BadMessage("at most 20 memo tags of 255 characters".into()));
            }
            check_call_id(call_id)
        }
        FromOptions::UpdateTranscript(UpdateTranscript { call_id, text }) => {
            check_transcript(call_id, text)
        }
        FromOptions::RetryCallLog(RetryCallLog { call_id }) => check_call_id(call_id),
        FromOptions::SaveLookupPriority(SaveLookupPriority { priority }) => {
            if crate::salesforce::capabilities::valid_priority(priority) {
                Ok(())
            } else {
                Err(BadMessage(
                    "a priority names Contact, Account and Lead once each".into(),
                ))
            }
        }
        FromOptions::Phone(Phone { action }) => action.validate().map_err(|e| BadMessage(e.into())),
        FromOptions::OptionsSavePhoneSettings(OptionsSavePhoneSettings { settings }) => {
            if settings.is_configured() || !settings.password.is_empty() {
                settings
                    .validate()
                    .map_err(|e| BadMessage(e.code().into()))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Call ids end up in `Task.CallObject` and in SOQL: keep them plain.
pub fn valid_call_id(id: &str) -> bool {
    // SIP Call-IDs (RFC 3261 `word@word`: letters, digits and most punctuation) fit, and so
    // does every id the worker makes; the limit is `Task.CallObject`'s length.
    !id.is_empty() && id.len() <= MAX_CALL_ID && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Ended calls one phone report carries at most (the engine keeps 10).
pub const MAX_ENDED_CALLS: usize = 16;

/// `Task.CallObject` holds 255 characters: a longer id could not be verified by it.
pub const MAX_CALL_ID: usize = 255;

/// `+` and 2 to 15 digits that the number engine reads back to the same E.164: what our own
/// content script sends, and nothing else.
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && crate::number::PhoneNumber::parse(number, crate::number::DEFAULT_REGION)
            .is_ok_and(|n| n.e164() == number)
}

impl FromWorker {
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        FromWorker::Error(Refusal::new(code, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_worker_script_is_the_worker() {
        let origin = "chrome-extension://abcdefghijklmnop/";
        assert!(is_worker(
            "chrome-extension://abcdefghijklmnop/worker.js",
            origin
        ));
        for other in [
            "chrome-extension://abcdefghijklmnop/options.html",
            "chrome-extension://abcdefghijklmnop/worker.js?x",
            "chrome-extension://otherextensionid/worker.js",
            "https://acme.lightning.force.com/worker.js",
            "",
        ] {
            assert!(!is_worker(other, origin), "{other}");
        }
        assert!(!is_worker("worker.js", ""));
    }

    /// A request as `ask_worker` sends it: its kind and the protocol's version beside it.
    fn wire<Q: Request>(request: &Q) -> serde_json::Value {
        let mut value = serde_json::to_value(request).unwrap();
        value["kind"] = json!(Q::KIND);
        value["v"] = json!(PROTOCOL_VERSION);
        value
    }

    #[test]
    fn the_phone_reads_its_own_messages() {
        let mut state = PhoneState::default();
        state.start_outgoing(3, "+81312345678", None, 1_000);
        let report = PhoneReport {
            state,
            seq: 4,
            ended: vec![],
        };
        assert_eq!(
            parse_to_worker(SenderContext::Offscreen, wire(&report)).unwrap(),
            ToWorker::Phone(FromPhone::PhoneReport(report))
        );
        assert_eq!(
            parse_to_worker(SenderContext::Offscreen, wire(&PhoneReady {})).unwrap(),
            ToWorker::Phone(FromPhone::PhoneReady(PhoneReady {}))
        );
    }

    #[test]
    fn each_request_parses_from_its_own_senders_only() {
        use SenderContext::{
            ExtensionPage as Options, Offscreen, PanelFrame as Frame, SalesforcePage as Page,
        };
        let org = "00D5g000004ABCD".to_string();
        let call = crate::calllog::tests::call();
        let cases: Vec<(&[SenderContext], serde_json::Value)> = vec![
            (&[Page], wire(&ContentHello {})),
            (
                &[Page],
                wire(&ContentStarted {
                    mode: ContentMode::Wasm,
                    phone_fields: 2,
                }),
            ),
            (
                &[Page],
                wire(&ContentDial {
                    number: "+81312345678".into(),
                    extension: Some("123".into()),
                    record: None,
                }),
            ),
            (
                &[Page],
                wire(&ContentCandidates {
                    page: PageFacts::default(),
                    fields: vec![],
                }),
            ),
            (&[Page, Frame], wire(&PhoneHello {})),
            (
                &[Page, Frame],
                wire(&ConfirmDial {
                    dial_id: "dial-1".into(),
                    dial: true,
                }),
            ),
            (
                &[Page, Frame],
                wire(&PickCaller {
                    call_id: "c1@host".into(),
                    record_id: RecordId::parse("003000000000001").unwrap(),
                }),
            ),
            (
                &[Page, Frame, Options],
                wire(&Phone {
                    action: PhoneCommand::Hangup,
                }),
            ),
            (&[Options], wire(&OptionsStatus {})),
            (
                &[Options],
                wire(&Lookup {
                    number: "03-1234-5678".into(),
                    org_id: org.clone(),
                }),
            ),
            (
                &[Options],
                wire(&LogCall {
                    org_id: org.clone(),
                    call: Box::new(call),
                }),
            ),
            (
                &[Options],
                wire(&UpdateMemo {
                    call_id: "c1@host".into(),
                    tags: vec![],
                }),
            ),
            (
                &[Options],
                wire(&UpdateTranscript {
                    call_id: "c1@host".into(),
                    text: "x".into(),
                }),
            ),
            (
                &[Options],
                wire(&LogTestCall {
                    org_id: org.clone(),
                    number: "0312345678".into(),
                }),
            ),
            (&[Options], wire(&CallLogs {})),
            (
                &[Options],
                wire(&RetryCallLog {
                    call_id: "c1@host".into(),
                }),
            ),
            (
                &[Options],
                wire(&SaveFieldMapping {
                    org_id: org.clone(),
                    mapping: FieldMapping::default(),
                }),
            ),
            (&[Options], wire(&GetFieldMapping { org_id: None })),
            (
                &[Options],
                wire(&SaveLookupPriority {
                    priority: vec!["Contact".into(), "Account".into(), "Lead".into()],
                }),
            ),
            (
                &[Options],
                wire(&SaveLoggingOrg {
                    org_id: org.clone(),
                }),
            ),
            (
                &[Options],
                wire(&SaveDialRules {
                    rules: Default::default(),
                }),
            ),
            (&[Options], wire(&OptionsPhoneSettings {})),
            (
                &[Options],
                wire(&OptionsSavePhoneSettings {
                    settings: PhoneSettings::default(),
                }),
            ),
            (&[Offscreen], wire(&PhoneReady {})),
        ];
        for (senders, value) in cases {
            for context in [Page, Frame, Options, Offscreen] {
                let parsed = parse_to_worker(context, value.clone());
                // The kind the parsed message goes by: the variant it was read as.
                let kind = |m: &ToWorker| {
                    match m {
                        ToWorker::Content(m) => serde_json::to_value(m),
                        ToWorker::Options(m) => serde_json::to_value(m),
                        ToWorker::Phone(m) => serde_json::to_value(m),
                    }
                    .unwrap()["kind"]
                        .clone()
                };
                if senders.contains(&context) {
                    let message =
                        parsed.unwrap_or_else(|e| panic!("{value} from {context:?}: {e:?}"));
                    // It is the variant its kind names, and reads back as it was sent.
                    assert_eq!(kind(&message), value["kind"], "{value}");
                } else {
                    assert!(parsed.is_err(), "{value} taken from {context:?}");
                }
            }
        }
    }

    /// An answer goes out under its kind, and a context reads it back as that type.
    fn answers_as<A: Answer + std::fmt::Debug + PartialEq + Clone>(answer: A) {
        let value = serde_json::to_value(Into::<FromWorker>::into(answer.clone())).unwrap();
        assert_eq!(value["kind"], json!(A::KIND));
        assert_eq!(serde_json::from_value::<A>(value).unwrap(), answer);
    }

    #[test]
    fn each_answer_goes_by_its_kind() {
        answers_as(Ack {});
        answers_as(PhoneSetup {
            settings: PhoneSettings::default(),
            pending: Some(PhoneCommand::Hangup),
        });
        answers_as(PhoneReportAck {
            stored: vec!["c1@host".into()],
        });
        answers_as(PhoneStatus {
            state: PhoneState::default(),
            notes: CallNotes::default(),
            region: "JP".into(),
        });
        answers_as(Dialable {
            fields: vec![vec![]],
        });
        answers_as(FieldMappingIs {
            mapping: FieldMapping::default(),
        });
        answers_as(FieldMappingSaved { problems: vec![] });
        answers_as(CallLogList {
            logs: vec![],
            unreadable: vec!["log:x".into()],
        });
        answers_as(LookupResult {
            org_id: "00D".into(),
            candidates: vec![],
        });
        assert_eq!(
            <OptionsPhoneSettings as Request>::Reply::KIND,
            "PhoneSettings"
        );
    }

    #[test]
    fn sip_call_ids_are_call_ids_and_odd_ones_are_not() {
        for id in [
            "a84b4c76e66710@pc33.atlanta.example.com",
            "test-1700000000000",
            "x",
        ] {
            assert!(valid_call_id(id), "{id}");
        }
        let too_long = "a".repeat(MAX_CALL_ID + 1);
        for id in [
            "",
            "two words",
            "tab\there",
            "全角@example",
            too_long.as_str(),
        ] {
            assert!(!valid_call_id(id), "{id:?}");
        }
    }

    #[test]
    fn parses_a_content_report() {
        let msg = parse_to_worker(
            SenderContext::SalesforcePage,
            json!({"v":1,"kind":"ContentStarted","mode":"DEGRADED_CSP"}),
        );
        assert_eq!(
            msg.unwrap(),
            ToWorker::Content(FromContent::ContentStarted(ContentStarted {
                mode: ContentMode::DegradedCsp,
                phone_fields: 0
            }))
        );
    }

    #[test]
    fn parses_a_dial_with_its_record() {
        let msg = parse_to_worker(SenderContext::SalesforcePage, json!({"v":1,"kind":"ContentDial","number":"+81312345678",
            "record":{"objectApiName":"Contact","recordId":"003000000000001","displayName":"山田 太郎"}}))
        .unwrap();
        match msg {
            ToWorker::Content(FromContent::ContentDial(ContentDial {
                record: Some(r), ..
            })) => {
                assert_eq!(r.record_id.as_str().len(), 18)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_what_is_not_a_valid_message() {
        let page = SenderContext::SalesforcePage;
        let options = SenderContext::ExtensionPage;
        let cases = [
            (options, json!("hello")),
            (options, json!({"kind":"OptionsStatus"})),
            (options, json!({"v":2,"kind":"OptionsStatus"})),
            (options, json!({"v":1,"kind":"DeleteEverything"})),
            (
                page,
                json!({"v":1,"kind":"ContentDial","number":"<b>x</b>"}),
            ),
            (
                page,
                json!({"v":1,"kind":"ContentDial","number":"0312345678",
                   "record":{"objectApiName":"Contact","recordId":"003'; DROP"}}),
            ),
            (
                options,
                json!({"v":1,"kind":"Lookup","number":"} OR {*","orgId":"00D5g000004ABCD"}),
            ),
            (
                options,
                json!({"v":1,"kind":"Lookup","number":"0312345678","orgId":"001' OR 1=1"}),
            ),
        ];
        for (context, case) in cases {
            assert!(parse_to_worker(context, case.clone()).is_err(), "{case}");
        }
    }

    #[test]
    fn an_extension_is_a_few_digits_and_nothing_else() {
        let dial = |extension: serde_json::Value| {
            parse_to_worker(
                SenderContext::SalesforcePage,
                json!({"v":1,"kind":"ContentDial","number":"+81312345678","extension":extension}),
            )
        };
        match dial(json!("123")) {
            Ok(ToWorker::Content(FromContent::ContentDial(d))) => {
                assert_eq!(d.extension.as_deref(), Some("123"))
            }
            other => panic!("{other:?}"),
        }
        assert!(dial(json!(null)).is_ok(), "no extension");
        assert!(dial(json!("1".repeat(MAX_EXTENSION_DIGITS))).is_ok());
        for bad in [
            json!("1".repeat(MAX_EXTENSION_DIGITS + 1)),
            json!(""),
            json!("12a"),
            json!("12,3"),
            json!("12#"),
            json!("１２３"),
            json!(" 123"),
            json!(123),
        ] {
            assert!(dial(bad.clone()).is_err(), "{bad}");
        }
        // Without an extension the message is what it always was.
        let plain = serde_json::to_value(ContentDial {
            number: "+81312345678".into(),
            extension: None,
            record: None,
        })
        .unwrap();
        assert!(plain.get("extension").is_none());
    }

    #[test]
    fn a_dial_carries_an_e164_number_only() {
        let dial = |n: &str| {
            parse_to_worker(
                SenderContext::SalesforcePage,
                json!({"v":1,"kind":"ContentDial","number":n}),
            )
        };
        assert!(dial("+81312345678").is_ok());
        for number in [
            "0312345678",
            "+81 3-1234-5678",
            "+0312345678",
            "+8131234567890123",
            "+",
        ] {
            assert!(dial(number).is_err(), "{number}");
        }
    }

    #[test]
    fn degraded_candidates_are_bounded() {
        let candidates = |context, count: usize, value: &str| {
            let fields: Vec<_> = (0..count)
                .map(|_| json!({"value": value, "facts": {"rowKey": "0035g00000Yam4dAAB"}}))
                .collect();
            parse_to_worker(
                context,
                json!({"v":1,"kind":"ContentCandidates",
                "page":{"path":"/lightning/o/Contact/list","title":"x"},"fields":fields}),
            )
        };
        let page = SenderContext::SalesforcePage;
        match candidates(page, 3, "tel:03-1234-5678").unwrap() {
            ToWorker::Content(FromContent::ContentCandidates(ContentCandidates {
                fields, ..
            })) => {
                assert_eq!(
                    fields[0].facts.row_key.as_deref(),
                    Some("0035g00000Yam4dAAB")
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(candidates(page, MAX_CANDIDATES + 1, "1").is_err());
        assert!(candidates(page, 1, &"1".repeat(MAX_CANDIDATE_CHARS + 1)).is_err());
        assert!(candidates(SenderContext::ExtensionPage, 1, "1").is_err());
    }

    #[test]
    fn senders_are_told_apart_by_url_only() {
        let origin = "chrome-extension://abcdefghijklmnop/";
        assert_eq!(
            sender_context(
                "https://acme.lightning.force.com/lightning/r/Contact/x/view",
                origin
            ),
            Some(SenderContext::SalesforcePage)
        );
        assert_eq!(
            sender_context("chrome-extension://abcdefghijklmnop/options.html", origin),
            Some(SenderContext::ExtensionPage)
        );
        assert_eq!(
            sender_context("chrome-extension://abcdefghijklmnop/panel.html", origin),
            Some(SenderContext::PanelFrame)
        );
        for url in [
            "https://evil.com/lightning.force.com",
            "http://acme.lightning.force.com/",
            "chrome-extension://otherextension/options.html",
            "https://acme.lightning.force.com.evil.com/",
            // The recording player: any site may frame it, so it speaks for no one.
            "chrome-extension://abcdefghijklmnop/recording.html?call=a@b",
        ] {
            assert_eq!(sender_context(url, origin), None, "{url}");
        }
        // The one page the phone hands recordings to.
        assert!(is_recording_player(
            "chrome-extension://abcdefghijklmnop/recording.html?call=a%40b",
            origin
        ));
        for url in [
            "chrome-extension://abcdefghijklmnop/options.html",
            "chrome-extension://otherextension/recording.html",
            "https://acme.lightning.force.com/recording.html",
            "chrome-extension://abcdefghijklmnop/recording.html.evil",
        ] {
            assert!(!is_recording_player(url, origin), "{url}");
        }
        assert!(RecordingAsk::parse(json!({"callId":"a@b","audio":true})).is_ok());
        assert!(RecordingAsk::parse(json!({"callId":"a b"})).is_err());
        assert!(RecordingAsk::parse(json!({"callId":"x".repeat(256)})).is_err());
        // What a page may ask is its own messages only: no lookups (each is an API call), no
        // call logs, no settings.
        let page = SenderContext::SalesforcePage;
        for message in [
            json!({"v":1,"kind":"Lookup","number":"0312345678"}),
            json!({"v":1,"kind":"Lookup","number":"0312345678","orgId":"00D5g000004ABCD"}),
            json!({"v":1,"kind":"OptionsStatus"}),
            json!({"v":1,"kind":"UpdateMemo","callId":"a@b","tags":["x"]}),
            json!({"v":1,"kind":"UpdateTranscript","callId":"a@b","text":"x"}),
            json!({"v":1,"kind":"RetryCallLog","callId":"a@b"}),
        ] {
            assert!(parse_to_worker(page, message.clone()).is_err(), "{message}");
        }
        let options = SenderContext::ExtensionPage;
        assert!(parse_to_worker(
            options,
            json!({"v":1,"kind":"Lookup","number":"0312345678","orgId":"00D5g000004ABCD"})
        )
        .is_ok());
        assert!(
            parse_to_worker(
                options,
                json!({"v":1,"kind":"Lookup","number":"0312345678"})
            )
            .is_err(),
            "the options page names the org"
        );
    }

    #[test]
    fn phone_messages_come_from_their_own_contexts() {
        let origin = "chrome-extension://abcdefghijklmnop/";
        let offscreen =
            sender_context("chrome-extension://abcdefghijklmnop/offscreen.html", origin);
        assert_eq!(offscreen, Some(SenderContext::Offscreen));
        let page = SenderContext::SalesforcePage;
        let options = SenderContext::ExtensionPage;
        let report = json!({"v":1,"kind":"PhoneReport","state":{"line":"REGISTERED"}});
        assert!(parse_to_worker(SenderContext::Offscreen, report.clone()).is_ok());
        assert!(parse_to_worker(page, report.clone()).is_err());
        assert!(parse_to_worker(options, report).is_err());
        assert!(parse_to_worker(options, json!({"v":1,"kind":"PhoneReady"})).is_err());
        assert!(parse_to_worker(page, json!({"v":1,"kind":"OptionsPhoneSettings"})).is_err());
        let dial = json!({"v":1,"kind":"Phone","action":{"command":"Dial","number":"2001"}});
        assert!(parse_to_worker(page, dial.clone()).is_ok());
        assert!(parse_to_worker(SenderContext::Offscreen, dial).is_err());
        assert!(parse_to_worker(
            page,
            json!({"v":1,"kind":"Phone","action":{"command":"Dtmf","digits":"1; rm"}})
        )
        .is_err());
        assert!(parse_to_worker(
            options,
            json!({"v":1,"kind":"OptionsSavePhoneSettings",
            "settings":{"websocketUrl":"http://x","sipUri":"sip:1@x"}})
        )
        .is_err());
    }

    #[test]
    fn memo_and_transcript_are_bounded_as_the_task_takes_them() {
        let options = SenderContext::ExtensionPage;
        let memo = |tags: Vec<String>| {
            parse_to_worker(
                options,
                json!({"v":1,"kind":"UpdateMemo","callId":"a@b","tags":tags}),
            )
        };
        assert!(memo(vec!["見積依頼".into()]).is_ok());
        assert!(memo(vec!["x".into(); MAX_MEMO_TAGS + 1]).is_err());
        assert!(memo(vec!["x".repeat(256)]).is_err());
        let transcript = |text: String| {
            parse_to_worker(
                options,
                json!({"v":1,"kind":"UpdateTranscript","callId":"a@b","text":text}),
            )
        };
        assert!(transcript("あ".repeat(MAX_TRANSCRIPT_CHARS)).is_ok());
        assert!(transcript("あ".repeat(MAX_TRANSCRIPT_CHARS + 1)).is_err());
        // The phone's transcript: the same bounds, and only the offscreen document sends it.
        let phone = |text: String, call_id: &str, from: SenderContext| {
            parse_to_worker(
                from,
                json!({"v":1,"kind":"PhoneTranscript","callId":call_id,"text":text}),
            )
        };
        assert!(phone("もしもし".into(), "a@b", SenderContext::Offscreen).is_ok());
        assert!(phone(
            "あ".repeat(MAX_TRANSCRIPT_CHARS + 1),
            "a@b",
            SenderContext::Offscreen
        )
        .is_err());
        assert!(phone("x".into(), "a b", SenderContext::Offscreen).is_err());
        assert!(phone("x".into(), "a@b", SenderContext::ExtensionPage).is_err());
    }

    #[test]
    fn answers_serialise_with_their_kind() {
        let text = serde_json::to_string(&FromWorker::error("BAD_MESSAGE", "no")).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"Error","code":"BAD_MESSAGE","message":"no"}"#
        );
    }
}

export { defaultServerConfig, type ServerConfig } from "./config.js"
export {
  InvalidCSeq,
  MalformedHeader,
  MalformedRequest,
  MediaNotServable,
  MethodNotImplemented,
  MethodNotValidInState,
  NoMediaPath,
  OptionNotSupported,
  BadAnnouncement,
  PathInUse,
  PublishForbidden,
  PublishingDisabled,
  RangeNotSatisfiable,
  type RequestRefusal,
  ServerSaturated,
  ServerStartError,
  SessionLimitReached,
  SessionNotFound,
  StreamNotFound,
  UnsupportedRangeUnit,
  UnsupportedTransport,
  VersionNotSupported
} from "./errors.js"
export { REFUSAL_STATUS, refusalHeaders, refusalStatus } from "./refusals.js"
export * as FrameScheduler from "./FrameScheduler.js"
export * as HttpEndpoint from "./HttpEndpoint.js"
export * as Logging from "./logging.js"
export * as Metrics from "./Metrics.js"
export { layer, make, RtspServer, type RtspServerInfo, type SessionSummary } from "./RtspServer.js"
export * as StateMachine from "./stateMachine.js"
export { PublishError } from "./relay/publishFromCode.js"

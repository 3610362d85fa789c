export * from "../nal/nalDepacketizer.js"
export * from "../nal/sequenceParameters.js"
export * from "./rfc7798Depacketizer.js"
export * from "./sps.js"

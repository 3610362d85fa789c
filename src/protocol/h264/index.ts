export * from "../nal/nalDepacketizer.js"
export * from "../nal/rbsp.js"
export * from "./rfc6184Depacketizer.js"
export * from "./sps.js"

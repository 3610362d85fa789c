export * from "./rfc6184Depacketizer.js"

import fc from "fast-check"
import { CSEQ_MAX, formatCSeq, parseCSeq } from "../../../../src/protocol/rtsp/headers/cseq.js"
import { describeCodec } from "../../../support/describeCodec.js"

describeCodec("CSeq", {
  corpus: "cseq",
  decode: parseCSeq,
  encode: formatCSeq,
  header: "CSeq",
  cases: [
    ["0", 0],
    ["1", 1],
    ["42", 42],
    ["2147483647", 2147483647],
    ["4294967295", CSEQ_MAX]
  ],
  nonCanonical: [
    [" 7 ", "7"],
    ["\t3", "3"],
    ["007", "7"]
  ],
  errors: [
    ["", "Empty"],
    ["   ", "Empty"],
    ["-1", "InvalidNumber"],
    ["+1", "InvalidNumber"],
    ["1.0", "InvalidNumber"],
    ["0x10", "InvalidNumber"],
    ["1 2", "InvalidNumber"],
    ["abc", "InvalidNumber"],
    ["4294967296", "OutOfRange"],
    ["99999999999999999999999", "OutOfRange"]
  ],
  values: fc.integer({ min: 0, max: CSEQ_MAX })
})

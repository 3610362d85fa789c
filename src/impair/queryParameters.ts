/**
 * A URL query as name/value pairs, percent-decoded the forgiving way: a client may send `2%`
 * as it is or as `2%25`, so a `%` that does not start a valid escape stays a literal `%`. Pure.
 */

export interface QueryParameter {
  readonly name: string
  /** Undefined when the parameter has no `=` at all. */
  readonly value: string | undefined
}

/** Decodes every run of valid `%XX` escapes (UTF-8 included); anything else is kept as sent. */
export const decodeQueryComponent = (text: string): string =>
  text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      // Escapes that are not UTF-8 (`%FF`) stay as they were sent.
      return run
    }
  })

/** `a=1&b&&c=` → a: "1", b: undefined, c: "" (empty pieces skipped). The query comes without its `?`. */
export const queryParameters = (query: string): ReadonlyArray<QueryParameter> =>
  query
    .split("&")
    .filter((piece) => piece.length > 0)
    .map((piece) => {
      const equals = piece.indexOf("=")
      return equals < 0
        ? { name: decodeQueryComponent(piece), value: undefined }
        : { name: decodeQueryComponent(piece.slice(0, equals)), value: decodeQueryComponent(piece.slice(equals + 1)) }
    })

/** Percent-encodes what a query part cannot carry as it is (`%` goes as `%25`); a `:`, legal in a query, stays readable. */
const encodeQueryComponent = (text: string): string => encodeURIComponent(text).replace(/%3A/gi, ":")

/** The query text for name/value pairs. */
export const formatQuery = (parameters: ReadonlyArray<readonly [name: string, value: string]>): string =>
  parameters.map(([name, value]) => `${encodeQueryComponent(name)}=${encodeQueryComponent(value)}`).join("&")

/**
 * Small lexing helpers shared by the header codecs: list splitting that respects quoted strings,
 * `name=value` parameters with tolerant whitespace, bounded decimal numbers, quoting.
 */

/**
 * Splits `value` on `separator` wherever it is not inside a double-quoted string. Inside quotes a
 * backslash escapes the next character (RFC 2616 quoted-pair). An unterminated quote runs to the
 * end of the value; callers that care check the parts themselves.
 */
export const splitOutsideQuotes = (value: string, separator: string): Array<string> => {
  const parts: Array<string> = []
  let start = 0
  let inQuotes = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (inQuotes) {
      if (c === "\\") i++
      else if (c === "\"") inQuotes = false
    } else if (c === "\"") {
      inQuotes = true
    } else if (c === separator) {
      parts.push(value.slice(start, i))
      start = i + 1
    }
  }
  parts.push(value.slice(start))
  return parts
}

export interface Parameter {
  /** Trimmed, as written (callers compare case-insensitively). */
  readonly name: string
  /** Trimmed text after the first `=`; absent for a bare flag such as `unicast`. */
  readonly value?: string
}

/** `name = value` or `name`; whitespace around `=` is tolerated (`client_port= 25000`). */
export const splitParameter = (part: string): Parameter => {
  const eq = part.indexOf("=")
  if (eq < 0) return { name: part.trim() }
  return { name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() }
}

/** A run of ASCII digits (no sign, no exponent, no spaces) whose value is at most `max`. */
export const parseBoundedDecimal = (text: string, max: number): number | undefined => {
  if (!/^[0-9]+$/.test(text)) return undefined
  // Leading zeros are harmless, but a very long run cannot be a bounded value.
  const digits = text.replace(/^0+(?=.)/, "")
  if (digits.length > 16) return undefined
  const n = Number(digits)
  return n <= max ? n : undefined
}

/** True when `text` is a run of ASCII digits (used to tell "not a number" from "too large"). */
export const isDigits = (text: string): boolean => /^[0-9]+$/.test(text)

/** Wraps `text` in double quotes, escaping `\` and `"`. */
export const quote = (text: string): string => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`

/**
 * Removes surrounding double quotes and resolves backslash escapes; a value without quotes is
 * returned unchanged. Returns undefined for an opening quote that is never closed.
 */
export const unquote = (text: string): string | undefined => {
  if (!text.startsWith("\"")) return text
  let out = ""
  for (let i = 1; i < text.length; i++) {
    const c = text[i]
    if (c === "\\") {
      i++
      const next = text[i]
      if (next === undefined) return undefined
      out += next
    } else if (c === "\"") {
      return i === text.length - 1 ? out : undefined
    } else {
      out += c
    }
  }
  return undefined
}

/** A short, quoted rendering of untrusted input for error messages. */
export const show = (text: string): string =>
  JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text)

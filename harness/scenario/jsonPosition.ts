/**
 * Finds where JSON text first goes wrong, as an offset plus line and column,
 * independent of the JavaScript engine's error wording. Used only after
 * JSON.parse has refused the text, to tell the user where to look.
 */
import { Either } from "effect"
import { messageOf } from "../../src/common/errorText.js"
export interface JsonSyntaxProblem {
  readonly offset: number
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units. */
  readonly column: number
  readonly message: string
}

const MAX_DEPTH = 1000

export const findJsonSyntaxProblem = (text: string): JsonSyntaxProblem | undefined => {
  let pos = 0
  let problem: { offset: number; message: string } | undefined

  const failAt = (offset: number, message: string): false => {
    problem ??= { offset, message }
    return false
  }
  const describeAt = (offset: number): string =>
    offset >= text.length ? "end of input" : `${JSON.stringify(text[offset])}`
  const skipSpace = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos] ?? "")) pos++
  }
  const literal = (word: string): boolean => {
    if (text.startsWith(word, pos)) {
      pos += word.length
      return true
    }
    return failAt(pos, `unexpected ${describeAt(pos)}, expected a value`)
  }
  const string = (): boolean => {
    pos++ // opening quote
    while (pos < text.length) {
      const c = text.charCodeAt(pos)
      if (c === 0x22) {
        pos++
        return true
      }
      if (c < 0x20) return failAt(pos, "control character inside a string")
      if (c === 0x5c) {
        const next = text[pos + 1]
        if (next !== undefined && "\"\\/bfnrt".includes(next)) pos += 2
        else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) pos += 6
        else return failAt(pos, "bad escape in string")
      } else {
        pos++
      }
    }
    return failAt(pos, "unterminated string")
  }
  const number = (): boolean => {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
    match.lastIndex = pos
    const found = match.exec(text)
    if (found === null) return failAt(pos, `unexpected ${describeAt(pos)}, expected a value`)
    pos += found[0].length
    return true
  }
  const value = (depth: number): boolean => {
    if (depth > MAX_DEPTH) return failAt(pos, "nested too deeply")
    skipSpace()
    const c = text[pos]
    if (c === "{") return container(depth, "}", true)
    if (c === "[") return container(depth, "]", false)
    if (c === "\"") return string()
    if (c === "t") return literal("true")
    if (c === "f") return literal("false")
    if (c === "n") return literal("null")
    return number()
  }
  const container = (depth: number, close: string, isObject: boolean): boolean => {
    pos++ // opening bracket
    skipSpace()
    if (text[pos] === close) {
      pos++
      return true
    }
    for (;;) {
      if (isObject) {
        skipSpace()
        if (text[pos] !== "\"") return failAt(pos, `unexpected ${describeAt(pos)}, expected a property name in double quotes`)
        if (!string()) return false
        skipSpace()
        if (text[pos] !== ":") return failAt(pos, `unexpected ${describeAt(pos)}, expected ':'`)
        pos++
      }
      if (!value(depth + 1)) return false
      skipSpace()
      if (text[pos] === ",") {
        pos++
        continue
      }
      if (text[pos] === close) {
        pos++
        return true
      }
      return failAt(pos, `unexpected ${describeAt(pos)}, expected ',' or '${close}'`)
    }
  }

  if (value(0)) {
    skipSpace()
    if (pos < text.length) failAt(pos, `unexpected ${describeAt(pos)} after the end of the JSON value`)
  }
  if (problem === undefined) return undefined
  return { ...problem, ...lineAndColumn(text, problem.offset) }
}

export const lineAndColumn = (text: string, offset: number): { readonly line: number; readonly column: number } => {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/**
 * A JSON file's text parsed (a leading byte-order mark, common in files saved by editors on
 * Windows, skipped), or why not in words, with the line and column where it can say.
 */
export const parseJsonText = (jsonText: string): Either.Either<unknown, string> => {
  const text = jsonText.startsWith("\uFEFF") ? jsonText.slice(1) : jsonText
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch (cause) {
    const problem = findJsonSyntaxProblem(text)
    return Either.left(problem === undefined
      ? `invalid JSON: ${messageOf(cause)}`
      : `invalid JSON at line ${problem.line}, column ${problem.column}: ${problem.message}`)
  }
}

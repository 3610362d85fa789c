/**
 * Path globs for permission rules, over media paths as URLs name them
 * ("movie.Mjpeg", "cams/front.Mjpeg"): `*` matches within one path segment,
 * `**` across segments (a trailing `/**` also matches the folder itself), `?`
 * one character. Everything else is literal.
 */
export type PathGlob = (path: string) => boolean

const escapeLiteral = (text: string): string => text.replace(/[.+^${}()|[\]\\]/g, "\\$&")

export const compileGlob = (glob: string): PathGlob => {
  let pattern = ""
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? ""
    if (char === "*" && glob[i + 1] === "*") {
      // "a/**" matches "a" and everything under it; "**/b" matches "b" at every depth.
      const slashAfter = glob[i + 2] === "/"
      pattern += slashAfter ? "(?:.*/)?" : ".*"
      i += slashAfter ? 2 : 1
    } else if (char === "*") {
      pattern += "[^/]*"
    } else if (char === "?") {
      pattern += "[^/]"
    } else if (char === "/" && glob.slice(i + 1) === "**") {
      pattern += "(?:/.*)?"
      break
    } else {
      pattern += escapeLiteral(char)
    }
  }
  const regex = new RegExp(`^${pattern}$`)
  return (path) => regex.test(path.replace(/^\/+/, ""))
}

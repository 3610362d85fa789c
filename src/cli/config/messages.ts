/** serve's option errors said in the config file's terms, for `config check` and a reload. */
import { HelpDoc, ValidationError } from "@effect/cli"
import { SETTING_KEYS } from "./settingKeys.js"

/** serve's "--port (RTSP_PORT): …" said of the file: "listen.port: …". */
export const inFileTerms = (text: string): string =>
  SETTING_KEYS.reduce((said, key) => said.replace(`${key.flag} (${key.env})`, key.path).replace(key.env, key.path), text)

/** A failure of serve's option parsing as one plain line. */
export const validationText = (error: unknown): string =>
  ValidationError.isValidationError(error) ? HelpDoc.toAnsiText(error.error).replace(/\u001b\[[0-9;]*m/g, "").trim() : String(error)

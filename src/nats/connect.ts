// The CONNECT options a NATS client sends, with the names of the protocol's JSON.
export interface ConnectOptions {
  verbose?: boolean;
  pedantic?: boolean;
  tls_required?: boolean;
  echo?: boolean;
  headers?: boolean;
  no_responders?: boolean;
  user?: string;
  pass?: string;
  auth_token?: string;
  name?: string;
  lang?: string;
  version?: string;
  protocol?: number;
  jwt?: string;
  nkey?: string;
  sig?: string;
}

/** Highest client protocol version: 1 means the client understands async INFO. */
export const MAX_CLIENT_PROTOCOL = 1;

/**
 * SigV4 for API Gateway (service `execute-api`) with AWS's maintained signer (@smithy/signature-v4,
 * the AWS SDK's own) and, unless credentials are given, the AWS default credential chain
 * (@aws-sdk/credential-providers' fromNodeProviderChain: environment, SSO, shared files, web
 * identity, ECS and EC2 metadata). The chain is loaded on the first signed request and memoized: it
 * refreshes assumed-role and SSO credentials itself when they near expiry.
 */

import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

import { WalletsError } from "./errors.js";

/** AWS credentials (structurally the AWS SDK's AwsCredentialIdentity). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A function answering credentials, e.g. any provider of @aws-sdk/credential-providers. */
export type CredentialsProvider = () => Promise<Credentials>;

export interface SigV4Options {
  /** The API's region; default: the one in an execute-api URL, else AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string;
  /** Default: the AWS default credential chain (Node only; in a browser, pass credentials). */
  credentials?: Credentials | CredentialsProvider;
}

/** The request as it will be sent: the signature covers these exact bytes. */
export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The region of an execute-api URL (https://<id>.execute-api.<region>.amazonaws.com/<stage>). */
export function regionOf(baseUrl: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(baseUrl)?.[1];
}

function environment(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name] || undefined;
}

export class Signer {
  readonly region: string;
  private readonly signer: SignatureV4;

  constructor(baseUrl: string, options: SigV4Options = {}) {
    const region =
      options.region ?? regionOf(baseUrl) ?? environment("AWS_REGION") ?? environment("AWS_DEFAULT_REGION");
    if (!region) throw new WalletsError("SigV4 needs a region: pass auth: { region } or set AWS_REGION");
    this.region = region;
    const given = options.credentials;
    this.signer = new SignatureV4({
      service: "execute-api",
      region,
      credentials: typeof given === "function" ? given : given ? async () => given : defaultChain(),
      sha256: Sha256,
      // API Gateway needs no x-amz-content-sha256 header (S3 does): sign what botocore signs.
      applyChecksum: false,
    });
  }

  /** The headers to send: the given ones plus X-Amz-Date, X-Amz-Security-Token and Authorization. */
  async sign(request: SignableRequest): Promise<Record<string, string>> {
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of request.url.searchParams) {
      const seen = query[key];
      query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await this.signer.sign({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port ? { port: Number(request.url.port) } : {}),
      path: request.url.pathname,
      query,
      // fetch sends Host itself (it may not be set), as url.host: signed here, not passed on.
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== "host") headers[name] = value;
    }
    return headers;
  }
}

/** The default credential chain, imported on first use so browsers never load it. */
function defaultChain(): CredentialsProvider {
  let provider: Promise<CredentialsProvider> | undefined;
  return async () => {
    provider ??= import("@aws-sdk/credential-providers").then((m) => m.fromNodeProviderChain());
    try {
      return await (await provider)();
    } catch (cause) {
      throw new WalletsError("no AWS credentials found for SigV4 (the default chain is empty; `make run` needs none: auth: null)", { cause });
    }
  };
}

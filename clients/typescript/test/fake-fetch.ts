/** A scripted fetch for the tests that need no server: it records what is sent and answers in turn. */

export interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error | "hang";

export function fakeFetch(replies: Reply[]): { fetch: (url: string, init: RequestInit) => Promise<Response>; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    sent.push({
      url,
      method: String(init.method),
      headers: Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
      body: typeof init.body === "string" ? init.body : undefined,
    });
    const reply = replies.shift();
    if (reply === undefined) throw new Error("the test sent more requests than it scripted");
    if (reply instanceof Error) throw reply;
    if (reply === "hang") {
      // Never answers: only the client's timeout (its AbortSignal) ends it.
      return new Promise((_, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    }
    const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
    return new Response(text || null, {
      status: reply.status,
      headers: { "content-type": "application/json", ...reply.headers },
    });
  };
  return { fetch, sent };
}

export function error(type: string, message = type, details: Record<string, unknown> = {}): { error: Record<string, unknown> } {
  return { error: { type, message, details } };
}

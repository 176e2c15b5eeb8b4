/**
 * A cookie-keeping HTTP client of the console, for tests at the HTTP level: it logs in with a token, follows no
 * redirect by itself (tests assert on them), and reads each page's CSRF token from its forms.
 */
export class ConsoleClient {
  cookie?: string;
  csrf?: string;
  lastSetCookie?: string;

  constructor(readonly base: string) {}

  async login(token: string): Promise<Response> {
    const res = await this.post('/login', { token }, { csrf: false });
    const set = res.headers.get('set-cookie');
    if (set) this.lastSetCookie = set;
    const value = set ? /connector_session=([^;]*)/.exec(set)?.[1] : undefined;
    if (value) this.cookie = `connector_session=${value}`;
    return res;
  }

  async get(path: string): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await fetch(this.base + path, {
      redirect: 'manual',
      headers: this.cookie ? { cookie: this.cookie } : {},
    });
    const text = await res.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.csrf = csrf;
    return { status: res.status, text, headers: res.headers };
  }

  async post(
    path: string,
    form: Record<string, string>,
    options: { csrf?: boolean; origin?: string } = {},
  ): Promise<Response> {
    const body = new URLSearchParams({
      ...(options.csrf === false || !this.csrf ? {} : { _csrf: this.csrf }),
      ...form,
    });
    return fetch(this.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(options.origin ? { origin: options.origin } : {}),
      },
      body: body.toString(),
    });
  }
}

/** The cookie jar of jsdom (tough-cookie), which the host tests use to send cookies as a browser would. */
declare module 'jsdom' {
  interface CookieJarLike {
    setCookieSync(cookie: string, url: string): unknown;
    getCookieStringSync(url: string): string;
  }
  interface JSDOM {
    readonly cookieJar: CookieJarLike;
  }
}

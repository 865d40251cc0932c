import { describe, expect, it } from 'vitest';
import { webSocketUrl } from './client';

describe('webSocketUrl', () => {
  it('connects next to the page, where the headless host sends its session cookie', () => {
    expect(webSocketUrl('http://127.0.0.1:8765/p/0a1b/')).toBe('ws://127.0.0.1:8765/p/0a1b/ws');
    expect(webSocketUrl('http://127.0.0.1:8765/p/0a1b/index.html?x=1#top')).toBe('ws://127.0.0.1:8765/p/0a1b/ws');
    expect(webSocketUrl('https://localhost:9000/')).toBe('wss://localhost:9000/ws');
  });
});

import { describe, expect, it } from 'vitest';
import { isSlug, readableBrand, resolveTenant, slugFromHost, slugFromPath } from './tenant';

describe('tenant resolution', () => {
  it('takes the slug from storefront and console paths', () => {
    expect(slugFromPath('/t/demo')).toBe('demo');
    expect(slugFromPath('/t/demo/events/1')).toBe('demo');
    expect(slugFromPath('/console/acme-co/events')).toBe('acme-co');
    expect(slugFromPath('/t/Demo/')).toBe('demo');
    expect(slugFromPath('/events/1')).toBeNull();
    expect(slugFromPath('/t/x/')).toBeNull(); // too short for a slug
  });

  it('takes the first label of a tenant subdomain', () => {
    expect(slugFromHost('demo.localhost', 'localhost')).toBe('demo');
    expect(slugFromHost('demo.tickets.example.com', 'tickets.example.com')).toBe('demo');
    expect(slugFromHost('localhost', 'localhost')).toBeNull();
    expect(slugFromHost('127.0.0.1', 'localhost')).toBeNull();
    expect(slugFromHost('a.b.localhost', 'localhost')).toBeNull();
    expect(slugFromHost('www.localhost', 'localhost')).toBeNull();
  });

  it('falls back to the first label of a three-label host without a matching base', () => {
    expect(slugFromHost('demo.example.com', 'localhost')).toBe('demo');
    expect(slugFromHost('example.com', 'localhost')).toBeNull();
  });

  it('prefers the path, ignores the host for admin pages', () => {
    expect(resolveTenant('/t/acme/', 'demo.localhost', 'localhost')).toBe('acme');
    expect(resolveTenant('/', 'demo.localhost', 'localhost')).toBe('demo');
    expect(resolveTenant('/admin/tenants', 'demo.localhost', 'localhost')).toBeNull();
    expect(resolveTenant('/', 'localhost', 'localhost')).toBeNull();
  });

  it('follows the server slug rules', () => {
    expect(isSlug('demo')).toBe(true);
    expect(isSlug('a-b-c')).toBe(true);
    expect(isSlug('a--b')).toBe(false);
    expect(isSlug('1abc')).toBe(false);
    expect(isSlug('abc-')).toBe(false);
    expect(isSlug('admin')).toBe(false);
  });

  it('uses a brand colour only where white text on it is readable', () => {
    expect(readableBrand('#112233')).toBe('#112233');
    expect(readableBrand('#3B2F8F')).toBe('#3b2f8f');
    expect(readableBrand('#ffee00')).toBeNull();
    expect(readableBrand('#777777')).toBeNull(); // 4.48:1, just under AA
    expect(readableBrand('#767676')).toBe('#767676'); // 4.54:1
    expect(readableBrand('red')).toBeNull();
    expect(readableBrand(null)).toBeNull();
  });
});

// A real OpenID Connect provider (panva/oidc-provider, OpenID Certified) dressed like Microsoft
// Entra ID v2.0, for greenroom-auth's tests. Nothing here is a mock of the protocol: codes, PKCE,
// refresh rotation, device flow and signatures are the library's own. What this file adds:
//   - Entra-shaped paths: /{tenant}/oauth2/v2.0/{authorize,token,devicecode,logout},
//     /{tenant}/discovery/v2.0/keys, /{tenant}/v2.0/.well-known/openid-configuration,
//     where {tenant} is the tenant GUID, `common` or `organizations`; the last two publish the
//     issuer template `.../{tenantid}/v2.0` like Entra, while tokens carry the concrete issuer.
//   - Entra-shaped claims (oid, tid, ver, groups, roles) and a `sub` that is not the `oid`.
//   - A scripted user: GET /interaction/:uid signs in the `login_hint` user at once (unknown
//     user -> access_denied), otherwise shows a form; consent is given automatically.
//   - Entra behaviour oidc-provider lacks: `interval` and `message` in the device code response,
//     `slow_down` when polled too fast, Conditional Access refusal (AADSTS53003) on demand, and
//     multi-resource refresh tokens: a refresh grant whose scope names `<resource>/.default`
//     (Azure DevOps' 499b84ac-1321-427f-aa17-267ca6975798) redeems and rotates the refresh token
//     as usual, and answers with a JWT access token for that resource (`aud` = the resource,
//     `scp` = user_impersonation, signed with the provider's key), or AADSTS65001 when the
//     tenant has not consented (setting `resourceConsent`), AADSTS500011 for unknown resources.
//   - Test controls under /_test/ to mint bad ID tokens (claims overridden, or signed with a key
//     that is not the provider's) and to read what the provider saw.
// Environment: PORT (0 = any), TENANT_ID, CLIENT_ID, REFRESH_TOKEN_TTL, DEVICE_CODE_TTL,
// DEVICE_INTERVAL (seconds). Prints one JSON line {"ready":true,...} on stdout when listening.

import http from 'node:http';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const TENANT = process.env.TENANT_ID ?? '4d9c6a2e-7b1f-4c3a-9e85-2f6d0b1a7c34';
const CLIENT_ID = process.env.CLIENT_ID ?? '8f3e2a1b-6c5d-4e7f-9a8b-0c1d2e3f4a5b';
const REFRESH_TOKEN_TTL = Number(process.env.REFRESH_TOKEN_TTL ?? 90 * 24 * 3600);
const DEVICE_CODE_TTL = Number(process.env.DEVICE_CODE_TTL ?? 900);
const DEVICE_INTERVAL = Number(process.env.DEVICE_INTERVAL ?? 5);
const MULTI_TENANT = new Set(['common', 'organizations']);
// Resources other than Graph that the tenant knows, by application ID (Azure DevOps).
const RESOURCES = new Set(['499b84ac-1321-427f-aa17-267ca6975798']);
const RESOURCE_TOKEN_TTL = Number(process.env.RESOURCE_TOKEN_TTL ?? 3600);

const users = JSON.parse(readFileSync(new URL('./users.json', import.meta.url), 'utf8'));
// `sub` differs from `oid` as in Entra (there it is pairwise per application), so a client that
// keyed users on `sub` would be caught.
const subjectOf = (user) => crypto.createHash('sha256').update(`${user.oid}:${CLIENT_ID}`).digest('base64url');
const bySubject = new Map(users.map((u) => [subjectOf(u), u]));
const byEmail = new Map(users.map((u) => [u.email.toLowerCase(), u]));

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}
const providerKey = await signingKey(crypto.randomUUID());
// Same kid as the provider's key but another key pair: a forged signature.
const impostorKey = await signingKey(providerKey.kid);
// A key the provider starts publishing only when a test asks (key rotation).
const rotatedKey = await signingKey(crypto.randomUUID());
// A key whose public half is never published.
const unpublishedKey = await signingKey(crypto.randomUUID());

const control = {
  tamper: null, // { claims, key } for the next token response that carries an ID token
  publishRotatedKey: false,
  slowDownNext: false,
  conditionalAccess: false,
  resourceConsent: true,
  resourceTokens: [], // { resource, access_token } issued for other resources, for resource servers
  polls: new Map(), // device_code -> { last, interval }
  pollsTooFast: 0,
  devicePolls: 0,
  tokenRequests: 0,
  jwksRequests: 0,
  lastCodeRedemption: null,
  lastTokens: null,
};

function publicJwk(jwk) {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use };
}

function entraError(ctx, status, error, aadsts, text) {
  ctx.status = status;
  ctx.body = {
    error,
    error_description: `AADSTS${aadsts}: ${text} Trace ID: ${crypto.randomUUID()} Correlation ID: ${crypto.randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [aadsts],
    timestamp: new Date().toISOString(),
  };
}

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const { port } = server.address();
const base = `http://127.0.0.1:${port}`;
const issuer = `${base}/${TENANT}/v2.0`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://localhost'],
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [providerKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  routes: {
    authorization: '/oauth2/v2.0/authorize',
    token: '/oauth2/v2.0/token',
    device_authorization: '/oauth2/v2.0/devicecode',
    end_session: '/oauth2/v2.0/logout',
    jwks: '/discovery/v2.0/keys',
    code_verification: '/oauth2/deviceauth',
    userinfo: '/oidc/userinfo',
    revocation: '/oauth2/v2.0/revoke',
  },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'User.Read', 'User.Read.All', 'GroupMember.Read.All'],
  claims: {
    openid: ['sub', 'tid', 'ver', 'groups', 'roles'],
    profile: ['oid', 'name', 'preferred_username'],
    email: ['email'],
  },
  conformIdTokenClaims: false,
  findAccount: async (_ctx, id) => {
    const user = bySubject.get(id);
    if (!user) return undefined;
    return {
      accountId: id,
      claims: async () => ({
        sub: id,
        oid: user.oid,
        tid: TENANT,
        ver: '2.0',
        name: user.name,
        preferred_username: user.email,
        email: user.email,
        groups: user.groups,
        roles: user.roles,
      }),
    };
  },
  features: {
    devInteractions: { enabled: false },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
  },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 600,
    DeviceCode: DEVICE_CODE_TTL,
    IdToken: 3600,
    RefreshToken: REFRESH_TOKEN_TTL,
    Grant: REFRESH_TOKEN_TTL + 3600,
    Interaction: 600,
    Session: 3600,
  },
  rotateRefreshToken: true,
  issueRefreshToken: async (_ctx, client, source) => client.grantTypeAllowed('refresh_token')
    && source.scopes.has('offline_access'),
  interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

// Entra-like additions and the test controls, applied around the provider's own handling.
provider.use(async (ctx, next) => {
  const isDevicePoll = () => ctx.oidc?.params?.grant_type === 'urn:ietf:params:oauth:grant-type:device_code';
  await next();
  const route = ctx.oidc?.route;

  if (route === 'discovery') {
    const mount = ctx.req.originalUrl?.split('/')[1];
    if (MULTI_TENANT.has(mount)) ctx.body = { ...ctx.body, issuer: `${base}/{tenantid}/v2.0` };
  }

  if (route === 'jwks') control.jwksRequests += 1;
  if (route === 'jwks' && control.publishRotatedKey) {
    ctx.body = { keys: [...ctx.body.keys, publicJwk(rotatedKey)] };
  }

  if (route === 'device_authorization' && ctx.status === 200) {
    ctx.body = {
      ...ctx.body,
      interval: DEVICE_INTERVAL,
      message: `To sign in, use a web browser to open the page ${ctx.body.verification_uri} and enter the code ${ctx.body.user_code} to authenticate.`,
    };
    delete ctx.body.verification_uri_complete; // Entra sends none
  }

  if (route === 'token' && ctx.req.entraResource && ctx.status === 200 && ctx.body?.access_token) {
    // The refresh token was redeemed (and rotated) by the provider; the access token is for the
    // resource that was asked for, shaped like Entra's v1 tokens for Azure DevOps.
    const resource = ctx.req.entraResource;
    const user = bySubject.get(ctx.oidc.account?.accountId);
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new jose.SignJWT({
      aud: resource,
      iss: `https://sts.windows.net/${TENANT}/`,
      appid: CLIENT_ID,
      oid: user?.oid,
      tid: TENANT,
      upn: user?.email,
      scp: 'user_impersonation',
      ver: '1.0',
    })
      .setProtectedHeader({ alg: 'RS256', kid: providerKey.kid, typ: 'JWT' })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + RESOURCE_TOKEN_TTL)
      .sign(await jose.importJWK(providerKey, 'RS256'));
    control.resourceTokens.push({ resource, access_token: accessToken });
    ctx.body = {
      token_type: 'Bearer',
      scope: `${resource}/user_impersonation`,
      expires_in: RESOURCE_TOKEN_TTL,
      ext_expires_in: RESOURCE_TOKEN_TTL,
      access_token: accessToken,
      refresh_token: ctx.body.refresh_token,
    };
  }

  if (route === 'token') {
    control.tokenRequests += 1;
    if (ctx.oidc.params?.grant_type === 'authorization_code') {
      // What an eavesdropper on the token request would have seen, for the code replay test.
      const { code, code_verifier: codeVerifier, redirect_uri: redirectUri } = ctx.oidc.params;
      control.lastCodeRedemption = { code, code_verifier: codeVerifier, redirect_uri: redirectUri };
    }
    if (isDevicePoll()) {
      control.devicePolls += 1;
      const code = ctx.oidc.params.device_code;
      const now = Date.now();
      const seen = control.polls.get(code);
      const pending = ctx.status === 400 && ctx.body?.error === 'authorization_pending';
      if (seen && now - seen.last < seen.interval * 1000 - 250) {
        control.pollsTooFast += 1;
        if (pending) {
          seen.interval += 5;
          ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
        }
      } else if (pending && control.slowDownNext) {
        control.slowDownNext = false;
        control.polls.set(code, { last: now, interval: (seen?.interval ?? DEVICE_INTERVAL) + 5 });
        ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
        return;
      }
      control.polls.set(code, { last: now, interval: seen?.interval ?? DEVICE_INTERVAL });
      if (ctx.status === 200 && control.conditionalAccess) {
        entraError(ctx, 400, 'invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.');
        return;
      }
    }
    if (ctx.status === 200 && ctx.body?.access_token) {
      // Issued tokens, so the redaction test can search logs for them.
      const { access_token: accessToken, refresh_token: refreshToken, id_token: idToken } = ctx.body;
      control.lastTokens = { access_token: accessToken, refresh_token: refreshToken, id_token: idToken };
    }
    if (ctx.status === 200 && ctx.body?.id_token && control.tamper) {
      const { claims = {}, key = 'provider' } = control.tamper;
      control.tamper = null;
      const jwk = { provider: providerKey, impostor: impostorKey, rotated: rotatedKey, unpublished: unpublishedKey }[key];
      const payload = { ...jose.decodeJwt(ctx.body.id_token), ...claims };
      for (const [name, value] of Object.entries(claims)) if (value === null) delete payload[name];
      ctx.body = {
        ...ctx.body,
        id_token: await new jose.SignJWT(payload)
          .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
          .sign(await jose.importJWK(jwk, 'RS256')),
      };
    }
  }
});

const page = (title, body) => `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function finishLogin(req, res, user) {
  const result = user
    ? { login: { accountId: subjectOf(user), remember: false } }
    : { error: 'access_denied', error_description: 'AADSTS50034: The user account does not exist in this directory.' };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const { prompt, params, session } = details;

  if (req.method === 'POST' && action === 'login') {
    const form = new URLSearchParams(await readBody(req));
    return finishLogin(req, res, byEmail.get((form.get('login') ?? '').toLowerCase()));
  }

  if (prompt.name === 'login') {
    if (params.login_hint) return finishLogin(req, res, byEmail.get(params.login_hint.toLowerCase()));
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page('Sign in', `<form method="post" action="/interaction/${uid}/login"><input name="login" autofocus><button type="submit">Sign in</button></form>`));
    return undefined;
  }

  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  throw new Error(`unexpected prompt ${prompt.name}`);
}

async function testControl(req, res, url) {
  const reply = (value) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(value));
  };
  if (req.method === 'POST') {
    const body = JSON.parse((await readBody(req)) || '{}');
    if (url.pathname === '/_test/tamper') control.tamper = body;
    else if (url.pathname === '/_test/settings') {
      for (const key of ['publishRotatedKey', 'slowDownNext', 'conditionalAccess', 'resourceConsent']) {
        if (key in body) control[key] = Boolean(body[key]);
      }
    } else {
      res.statusCode = 404;
      return reply({ error: 'unknown control' });
    }
    return reply({ ok: true });
  }
  return reply({
    pollsTooFast: control.pollsTooFast,
    devicePolls: control.devicePolls,
    tokenRequests: control.tokenRequests,
    jwksRequests: control.jwksRequests,
    lastCodeRedemption: control.lastCodeRedemption,
    lastTokens: control.lastTokens,
    resourceTokens: control.resourceTokens,
    kid: providerKey.kid,
  });
}

const providerCallback = provider.callback();

// Entra's refresh tokens are multi-resource: a refresh grant may ask for `<resource>/.default`,
// a scope the sign-in never named. oidc-provider (RFC 8707) would refuse it, so the resource
// scope is taken out of the request here and the provider's answer gets the resource's token
// (see the `route === 'token'` middleware). Returns false when it answered the request itself.
async function resourceRefresh(req, res) {
  const body = await readBody(req);
  req.body = body; // oidc-provider reads an already-read body from here
  const params = new URLSearchParams(body);
  if (params.get('grant_type') !== 'refresh_token') return true;
  const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
  const wanted = scopes.filter((scope) => scope.endsWith('/.default'));
  if (wanted.length === 0) return true;
  const resource = wanted[0].slice(0, -'/.default'.length);
  const refuse = (status, error, aadsts, text) => {
    const ctx = { status: 0, body: null };
    entraError(ctx, status, error, aadsts, text);
    res.statusCode = ctx.status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(ctx.body));
    return false;
  };
  if (!RESOURCES.has(resource)) {
    return refuse(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${TENANT}.`);
  }
  if (!control.resourceConsent) {
    return refuse(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${CLIENT_ID}' named 'Greenroom'. Send an interactive authorization request for this user and resource.`);
  }
  const rest = scopes.filter((scope) => !scope.endsWith('/.default'));
  if (rest.length) params.set('scope', rest.join(' '));
  else params.delete('scope');
  req.body = params.toString();
  req.entraResource = resource;
  return true;
}

server.on('request', async (req, res) => {
  const url = new URL(req.url, base);
  const fail = (err) => {
    if (!res.headersSent) res.statusCode = 500;
    res.end(String(err?.message ?? err));
  };
  if (url.pathname.startsWith('/_test/')) return testControl(req, res, url).catch(fail);
  if (url.pathname.startsWith('/interaction/')) return interaction(req, res, url).catch(fail);

  const [, tenant, ...rest] = url.pathname.split('/');
  if (tenant !== TENANT && !MULTI_TENANT.has(tenant)) {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${tenant}' not found.` }));
  }
  let path = `/${rest.join('/')}`;
  if (path === '/v2.0/.well-known/openid-configuration') path = '/.well-known/openid-configuration';
  if (path === '/oauth2/v2.0/authorize') {
    // OIDC Core drops offline_access without prompt=consent; Entra needs no prompt, so the
    // provider is told what Entra would do anyway.
    // Entra's `select_account` is not an OIDC Core prompt; the scripted user has one account.
    if (url.searchParams.get('prompt') === 'select_account') url.searchParams.delete('prompt');
    const scope = url.searchParams.get('scope') ?? '';
    if (scope.split(' ').includes('offline_access') && !url.searchParams.has('prompt')) {
      url.searchParams.set('prompt', 'consent');
    }
  }
  if (path === '/oauth2/v2.0/token' && req.method === 'POST') {
    try {
      if (!(await resourceRefresh(req, res))) return undefined;
    } catch (err) {
      res.statusCode = 500;
      return res.end(String(err?.message ?? err));
    }
  }
  // oidc-provider derives its mount path from originalUrl minus url.
  req.originalUrl = `/${tenant}${path}${url.search}`;
  req.url = `${path}${url.search}`;
  return providerCallback(req, res);
});

// The test harness may stop reading after the ready line; never die of a closed pipe.
process.stdout.on('error', () => {});
process.stdout.write(`${JSON.stringify({ ready: true, port, issuer, tenant: TENANT, client_id: CLIENT_ID })}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
// With STOP_ON_STDIN_CLOSE=1 the provider also exits when its parent's end of stdin closes, so a
// test process that aborts leaves no provider behind.
if (process.env.STOP_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

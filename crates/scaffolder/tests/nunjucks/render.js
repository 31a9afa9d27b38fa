#!/usr/bin/env node
// Reference renderer for greenroom-scaffolder's tests: Nunjucks 3.2.4 configured as
// Backstage's scaffolder configures it (SecureTemplater: `${{ }}` variables, autoescape off,
// the default filters parseRepoUrl / parseEntityRef / pick / projectSlug), the workflow
// runner's value rendering (NunjucksWorkflowRunner.render), fetch:template's file-tree
// algorithm (templateActionHandler with globby 11 and isbinaryfile 5) and catalog:write's
// yaml.stringify. The Rust tests send jobs as JSON on stdin and compare what comes back, or
// what was written, byte for byte with Greenroom's output.
//
// Jobs (an array on stdin; an array of results on stdout):
//   {kind: "string", template, context, trimBlocks?, lstripBlocks?, cookiecutterCompat?}
//   {kind: "value", value, context}          -> {ok: value} or {undefined: true}
//   {kind: "yaml", value}                    -> {ok: "yaml text"}
//   {kind: "run", templateFile, workspace, parameters, templateRef, user?}
//        runs the steps with the built-in actions that need no server and returns
//        {ok: {output, steps}}; the workspace holds the files afterwards.
'use strict';

const fs = require('fs');
const path = require('path');
const nunjucks = require('nunjucks');
const globby = require('globby');
const { isBinaryFile } = require('isbinaryfile');
const yaml = require('yaml');
const lodash = require('lodash');
const { parseEntityRef, stringifyEntityRef } = require('@backstage/catalog-model');

// The hosts Backstage knows without configuration (ScmIntegrations.fromConfig defaults).
const HOSTS = {
  'dev.azure.com': 'azure',
  'bitbucket.org': 'bitbucketCloud',
  'github.com': 'github',
  'gitlab.com': 'gitlab',
};

// plugins/scaffolder-node/src/actions/util.ts parseRepoUrl.
function parseRepoUrl(repoUrl) {
  let parsed;
  try {
    parsed = new URL(`https://${repoUrl}`);
  } catch (error) {
    throw new Error(`Invalid repo URL passed to publisher, got ${repoUrl}, ${error}`);
  }
  const host = parsed.host;
  const type = HOSTS[host];
  if (!type) {
    throw new Error(
      `No matching integration configuration for host ${host}, please check your integrations config`,
    );
  }
  const get = p => (parsed.searchParams.has(p) ? lodash.trim(parsed.searchParams.get(p), '/') : undefined);
  const [owner, organization, workspace, project, repo] = ['owner', 'organization', 'workspace', 'project', 'repo'].map(get);
  const check = (...params) => {
    for (const p of params) {
      if (!parsed.searchParams.get(p)) {
        throw new Error(`Invalid repo URL passed to publisher: ${parsed.toString()}, missing ${p}`);
      }
    }
  };
  switch (type) {
    case 'bitbucketCloud': check('workspace', 'project', 'repo'); break;
    case 'bitbucketServer': check('project', 'repo'); break;
    case 'azure': check('project', 'repo'); break;
    case 'gitlab': if (!project) check('owner', 'repo'); break;
    case 'gitea': case 'gerrit': check('repo'); break;
    default: check('repo', 'owner'); break;
  }
  return { host, owner, repo, organization, workspace, project };
}

const FILTERS = {
  parseRepoUrl: url => parseRepoUrl(url),
  parseEntityRef: (ref, context) => parseEntityRef(ref, context),
  pick: (obj, key) => lodash.get(obj, key),
  projectSlug: url => {
    const { owner, repo } = parseRepoUrl(url);
    return `${owner}/${repo}`;
  },
};

// SecureTemplater: filter results cross a JSON boundary. (A filter returning undefined
// gives undefined, as in current Backstage, rather than the legacy JSON.parse error.)
function makeEnv(opts) {
  const compat = !!opts.cookiecutterCompat;
  const env = new nunjucks.Environment(null, {
    autoescape: false,
    trimBlocks: opts.trimBlocks,
    lstripBlocks: opts.lstripBlocks,
    tags: { variableStart: compat ? '{{' : '${{', variableEnd: '}}' },
  });
  if (compat) {
    env.addFilter('jsonify', env.getFilter('dump'));
  } else {
    for (const [name, filter] of Object.entries(FILTERS)) {
      env.addFilter(name, (...args) => {
        const result = filter(...args);
        return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
      });
    }
  }
  return env;
}

let uninstallCompat;
function renderString(template, context, opts = {}) {
  if (opts.cookiecutterCompat && !uninstallCompat) {
    uninstallCompat = nunjucks.installJinjaCompat();
  } else if (!opts.cookiecutterCompat && uninstallCompat) {
    uninstallCompat();
    uninstallCompat = undefined;
  }
  return makeEnv(opts).renderString(String(template), JSON.parse(JSON.stringify(context)));
}

// NunjucksWorkflowRunner.isSingleTemplateString and render.
function isSingleTemplateString(input) {
  const parsed = nunjucks.parser.parse(input, {}, {
    autoescape: false,
    tags: { variableStart: '${{', variableEnd: '}}' },
  });
  return parsed.children.length === 1 && !(parsed.children[0]?.children?.[0] instanceof nunjucks.nodes.TemplateData);
}

function renderValue(input, context) {
  return JSON.parse(JSON.stringify(input), (_key, value) => {
    try {
      if (typeof value === 'string') {
        try {
          if (isSingleTemplateString(value)) {
            const wrappedDumped = value.replace(/\${{(.+)}}/g, '${{ ( $1 ) | dump }}');
            const templated = renderString(wrappedDumped, context);
            if (templated === '') return undefined;
            return JSON.parse(templated);
          }
        } catch (ex) {
          // Backstage logs and falls back.
        }
        const templated = renderString(value, context);
        if (templated === '') return undefined;
        return templated;
      }
    } catch {
      return value;
    }
    return value;
  });
}

function isTruthy(value) {
  return Array.isArray(value) ? value.length > 0 : !!value;
}

function resolveSafeChildPath(base, p) {
  const target = path.resolve(base, p);
  const rel = path.relative(base, target);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error('Relative path is not allowed to refer to a directory outside its parent');
  }
  return target;
}

// templateActionHandler (the version that still honours copyWithoutRender).
async function fetchTemplate(templateDir, workspace, input) {
  const outputDir = resolveSafeChildPath(workspace, input.targetPath ?? './');
  if (input.copyWithoutRender && input.copyWithoutTemplating) {
    throw new Error('Fetch action input copyWithoutRender and copyWithoutTemplating can not be used at the same time');
  }
  let copyOnlyPatterns;
  let renderFilename;
  if (input.copyWithoutRender) {
    copyOnlyPatterns = input.copyWithoutRender;
    renderFilename = false;
  } else {
    copyOnlyPatterns = input.copyWithoutTemplating;
    renderFilename = true;
  }
  let extension = false;
  if (input.templateFileExtension) {
    extension = input.templateFileExtension === true ? '.njk' : input.templateFileExtension;
    if (!extension.startsWith('.')) extension = `.${extension}`;
  }
  const options = { cwd: templateDir, dot: true, onlyFiles: false, markDirectories: true, followSymbolicLinks: false };
  const allEntries = await globby('**/*', options);
  const nonTemplated = new Set(await globby(copyOnlyPatterns || [], options));
  const context = { [input.cookiecutterCompat ? 'cookiecutter' : 'values']: input.values };
  const opts = { cookiecutterCompat: input.cookiecutterCompat, trimBlocks: input.trimBlocks, lstripBlocks: input.lstripBlocks };
  for (const location of allEntries) {
    let renderContents;
    let localOutputPath = location;
    if (extension) {
      renderContents = path.extname(localOutputPath) === extension;
      if (renderContents) localOutputPath = localOutputPath.slice(0, -extension.length);
      localOutputPath = renderString(localOutputPath, context, opts);
    } else {
      renderContents = !nonTemplated.has(location);
      if (renderFilename || renderContents) {
        localOutputPath = renderString(localOutputPath, context, opts);
      }
    }
    if (localOutputPath === '' || localOutputPath.startsWith('/') || localOutputPath.includes('//')) continue;
    const outputPath = resolveSafeChildPath(outputDir, localOutputPath);
    if (fs.existsSync(outputPath) && !input.replace) continue;
    if (location.endsWith('/')) {
      fs.mkdirSync(outputPath, { recursive: true });
      continue;
    }
    const inputFilePath = resolveSafeChildPath(templateDir, location);
    const stats = fs.lstatSync(inputFilePath);
    fs.mkdirSync(path.dirname(outputPath), { recursive: true });
    if (stats.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(inputFilePath), outputPath);
    } else if (await isBinaryFile(inputFilePath)) {
      fs.copyFileSync(inputFilePath, outputPath);
      fs.chmodSync(outputPath, stats.mode & 0o777);
    } else {
      const contents = fs.readFileSync(inputFilePath, 'utf-8');
      fs.writeFileSync(outputPath, renderContents ? renderString(contents, context, opts) : contents, { mode: stats.mode });
      fs.chmodSync(outputPath, stats.mode & 0o777 & ~process.umask());
    }
  }
}

// The publish:* outputs Greenroom computes locally; the commit hash is not compared.
function publishOutputs(action, input) {
  const spec = parseRepoUrl(input.repoUrl);
  const defaultBranch = input.defaultBranch ?? (action === 'publish:github' ? 'main' : 'master');
  if (action === 'publish:github') {
    return {
      remoteUrl: `https://${spec.host}/${spec.owner}/${spec.repo}.git`,
      repoContentsUrl: `https://${spec.host}/${spec.owner}/${spec.repo}/blob/${defaultBranch}`,
    };
  }
  if (action === 'publish:gitlab') {
    const remoteUrl = `https://${spec.host}/${spec.owner}/${spec.repo}`;
    return { remoteUrl, repoContentsUrl: `${remoteUrl}/-/blob/${defaultBranch}` };
  }
  throw new Error(`reference runner does not know ${action}`);
}

async function runTemplate(job) {
  if (job.templateFile) {
    job.spec = yaml.parse(fs.readFileSync(job.templateFile, 'utf-8')).spec;
    job.templateDir = path.dirname(job.templateFile);
  }
  const context = {
    parameters: job.parameters,
    environment: { parameters: {}, secrets: {} },
    steps: {},
    user: job.user,
    context: { task: { id: 'task' } },
  };
  const workspace = job.workspace;
  fs.mkdirSync(workspace, { recursive: true });
  const published = {};
  for (const [index, step] of job.spec.steps.entries()) {
    const id = step.id ?? `step-${index + 1}`;
    if (step.if === false || (typeof step.if === 'string' && step.each === undefined && !isTruthy(renderValue(step.if, context)))) {
      continue;
    }
    const resolvedEach = step.each && renderValue(step.each, context);
    const iterations = (resolvedEach ? Object.entries(resolvedEach).map(([key, value]) => ({ each: { key, value } })) : [{}]).map(i => {
      const full = { ...context, secrets: {}, ...i };
      const shouldRun = !('each' in i) || !step.if || isTruthy(renderValue(step.if, full));
      return { ...i, shouldRun, input: step.input ? renderValue(step.input, full) : {} };
    });
    const output = {};
    const put = (name, value) => {
      if (step.each) (output[name] = output[name] || []).push(value);
      else output[name] = value;
    };
    for (const iteration of iterations) {
      if (!iteration.shouldRun) continue;
      const input = iteration.input;
      switch (step.action) {
        case 'fetch:template':
          await fetchTemplate(resolveSafeChildPath(job.templateDir, input.url), workspace, input);
          break;
        case 'fetch:template:file': {
          const out = resolveSafeChildPath(workspace, input.targetPath);
          if (fs.existsSync(out) && !input.replace) break;
          const text = fs.readFileSync(resolveSafeChildPath(job.templateDir, input.url), 'utf-8');
          const ctx = { [input.cookiecutterCompat ? 'cookiecutter' : 'values']: input.values };
          fs.mkdirSync(path.dirname(out), { recursive: true });
          fs.writeFileSync(out, renderString(text, ctx, input));
          break;
        }
        case 'fetch:plain':
          fs.cpSync(resolveSafeChildPath(job.templateDir, input.url), resolveSafeChildPath(workspace, input.targetPath ?? './'), { recursive: true, verbatimSymlinks: true });
          break;
        case 'fetch:plain:file': {
          const out = resolveSafeChildPath(workspace, input.targetPath);
          fs.mkdirSync(path.dirname(out), { recursive: true });
          fs.copyFileSync(resolveSafeChildPath(job.templateDir, input.url), out);
          break;
        }
        case 'catalog:write': {
          const entity = input.entity;
          const text = yaml.stringify({
            ...entity,
            metadata: {
              ...entity.metadata,
              annotations: { ...entity.metadata.annotations, 'backstage.io/source-template': job.templateRef },
            },
          });
          const out = resolveSafeChildPath(workspace, input.filePath ?? 'catalog-info.yaml');
          fs.mkdirSync(path.dirname(out), { recursive: true });
          fs.writeFileSync(out, text);
          break;
        }
        case 'fs:rename':
          for (const f of input.files) {
            fs.renameSync(resolveSafeChildPath(workspace, f.from), resolveSafeChildPath(workspace, f.to));
          }
          break;
        case 'fs:delete':
          for (const f of input.files) {
            for (const p of await globby(resolveSafeChildPath(workspace, f), { cwd: workspace, absolute: true, dot: true })) {
              fs.rmSync(p, { recursive: true, force: true });
            }
          }
          break;
        case 'debug:log':
          put('message', input.message ?? null);
          break;
        case 'publish:github':
        case 'publish:gitlab': {
          const outs = publishOutputs(step.action, input);
          published[outs.repoContentsUrl] = input.sourcePath ?? '';
          put('remoteUrl', outs.remoteUrl);
          put('repoContentsUrl', outs.repoContentsUrl);
          break;
        }
        case 'catalog:register': {
          const catalogInfoPath = input.catalogInfoPath ?? '/catalog-info.yaml';
          const url = `${input.repoContentsUrl.replace(/\/$/, '')}/${catalogInfoPath.replace(/^\//, '')}`;
          const dir = path.join(workspace, published[input.repoContentsUrl] ?? '');
          const entities = yaml.parseAllDocuments(fs.readFileSync(path.join(dir, catalogInfoPath), 'utf-8')).map(d => d.toJS());
          const entity = entities.find(e => !e.metadata.name.startsWith('generated-') && e.kind === 'Component')
            ?? entities.find(e => !e.metadata.name.startsWith('generated-')) ?? entities[0];
          put('entityRef', stringifyEntityRef(entity));
          put('catalogInfoUrl', url);
          break;
        }
        default:
          throw new Error(`reference runner does not know ${step.action}`);
      }
    }
    context.steps[id] = { output };
  }
  // scaffolder-backend 4.x filterConditionalItems: items whose `if` is false are left out.
  const output = renderValue(job.spec.output ?? {}, context) ?? {};
  for (const key of ['links', 'text']) {
    if (Array.isArray(output[key])) {
      output[key] = output[key].flatMap(item => {
        if (!lodash.isPlainObject(item)) return [item];
        if ('if' in item && !isTruthy(item.if)) return [];
        const { if: _if, ...rest } = item;
        return [rest];
      });
    }
  }
  return { output, steps: context.steps };
}

async function main() {
  const jobs = JSON.parse(fs.readFileSync(0, 'utf-8'));
  const results = [];
  for (const job of jobs) {
    try {
      if (job.kind === 'string') {
        results.push({ ok: renderString(job.template, job.context ?? {}, job) });
      } else if (job.kind === 'value') {
        const value = renderValue(job.value, job.context ?? {});
        results.push(value === undefined ? { undefined: true } : { ok: value });
      } else if (job.kind === 'yaml') {
        results.push({ ok: yaml.stringify(job.value) });
      } else if (job.kind === 'run') {
        results.push({ ok: await runTemplate(job) });
      } else {
        results.push({ error: `unknown job kind ${job.kind}` });
      }
    } catch (e) {
      results.push({ error: String(e && e.message ? e.message : e) });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch(e => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});

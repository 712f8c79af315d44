// The GitHub REST calls the action makes, through Octokit.

import { Octokit } from '@octokit/rest';

export interface PullInfo {
  number: number;
  url: string;
  headSha: string;
  head: string;
  body: string;
  title: string;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

export class GitHub {
  private readonly octokit: Octokit;
  private readonly r: RepoRef;
  constructor(opts: { token: string; baseUrl: string; repo: RepoRef; userAgent?: string }) {
    this.octokit = new Octokit({ auth: opts.token, baseUrl: opts.baseUrl, userAgent: opts.userAgent ?? 'lock2nix-action', log: { debug() {}, info() {}, warn() {}, error() {} } });
    this.r = opts.repo;
  }

  async defaultBranch(): Promise<string> {
    return (await this.octokit.rest.repos.get({ ...this.r })).data.default_branch;
  }

  /** The open pull request from `head` (a branch of this repository) into `base`, if any. */
  async findOpen(head: string, base?: string): Promise<PullInfo | undefined> {
    const res = await this.octokit.rest.pulls.list({ ...this.r, head: `${this.r.owner}:${head}`, ...(base ? { base } : {}), state: 'open', per_page: 100 });
    const p = res.data[0];
    return p ? { number: p.number, url: p.html_url, headSha: p.head.sha, head: p.head.ref, body: p.body ?? '', title: p.title } : undefined;
  }

  async get(number: number): Promise<PullInfo> {
    const p = (await this.octokit.rest.pulls.get({ ...this.r, pull_number: number })).data;
    return { number: p.number, url: p.html_url, headSha: p.head.sha, head: p.head.ref, body: p.body ?? '', title: p.title };
  }

  async create(opts: { head: string; base: string; title: string; body: string; draft: boolean }): Promise<PullInfo> {
    const p = (await this.octokit.rest.pulls.create({ ...this.r, ...opts, maintainer_can_modify: true })).data;
    return { number: p.number, url: p.html_url, headSha: p.head.sha, head: p.head.ref, body: p.body ?? '', title: p.title };
  }

  async update(number: number, opts: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<PullInfo> {
    const p = (await this.octokit.rest.pulls.update({ ...this.r, pull_number: number, ...opts })).data;
    return { number: p.number, url: p.html_url, headSha: p.head.sha, head: p.head.ref, body: p.body ?? '', title: p.title };
  }

  async addAssignees(number: number, assignees: string[]): Promise<void> {
    if (assignees.length) await this.octokit.rest.issues.addAssignees({ ...this.r, issue_number: number, assignees });
  }

  async requestReviewers(number: number, reviewers: string[], teamReviewers: string[]): Promise<void> {
    if (reviewers.length || teamReviewers.length) await this.octokit.rest.pulls.requestReviewers({ ...this.r, pull_number: number, reviewers, team_reviewers: teamReviewers });
  }

  async addLabels(number: number, labels: string[]): Promise<void> {
    if (labels.length) await this.octokit.rest.issues.addLabels({ ...this.r, issue_number: number, labels });
  }
}

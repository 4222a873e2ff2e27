import { describe, expect, it } from 'vitest';
import { SubmissionBudget } from './submission-budget.ts';

describe('SubmissionBudget', () => {
  it('starts as if every job were as large as a job may be, before any job is seen', () => {
    expect(new SubmissionBudget({ maxSubmissions: 3_000, maxJobs: 2_000, largestJob: 500 }).jobConcurrency).toBe(6);
  });

  it('takes as many one-submission jobs as the job limit allows, within a few dozen jobs', () => {
    const budget = new SubmissionBudget({ maxSubmissions: 3_000, maxJobs: 2_000, largestJob: 500 });
    const concurrencies = Array.from({ length: 100 }, () => budget.recordJob(1));
    expect(concurrencies.findIndex((concurrency) => concurrency === 2_000)).toBeLessThan(60);
    expect(budget.jobConcurrency).toBe(2_000);
  });

  it('takes fewer jobs when they carry many submissions, so the submissions held stay near the budget', () => {
    const budget = new SubmissionBudget({ maxSubmissions: 3_000, maxJobs: 2_000, largestJob: 500 });
    let concurrency = budget.jobConcurrency;
    for (let job = 0; job < 200; job += 1) concurrency = budget.recordJob(20);
    expect(concurrency).toBe(150);
    for (let job = 0; job < 200; job += 1) concurrency = budget.recordJob(500);
    expect(concurrency).toBe(6);
  });

  it('goes back up when jobs get small again', () => {
    const budget = new SubmissionBudget({ maxSubmissions: 3_000, maxJobs: 2_000, largestJob: 500 });
    for (let job = 0; job < 200; job += 1) budget.recordJob(500);
    for (let job = 0; job < 200; job += 1) budget.recordJob(1);
    expect(budget.jobConcurrency).toBe(2_000);
  });

  it('starts from the largest job again once the queue has run dry', () => {
    const budget = new SubmissionBudget({ maxSubmissions: 3_000, maxJobs: 2_000, largestJob: 500 });
    for (let job = 0; job < 100; job += 1) budget.recordJob(1);
    expect(budget.reset()).toBe(6);
  });

  it('counts a job claiming more submissions than a job may carry as the largest', () => {
    const budget = new SubmissionBudget({ maxSubmissions: 3_000, maxJobs: 2_000, largestJob: 500 });
    for (let job = 0; job < 100; job += 1) budget.recordJob(1_000_000);
    expect(budget.jobConcurrency).toBe(6);
  });

  it('always takes at least one job, however large', () => {
    const budget = new SubmissionBudget({ maxSubmissions: 100, maxJobs: 50, largestJob: 500 });
    for (let job = 0; job < 200; job += 1) budget.recordJob(500);
    expect(budget.jobConcurrency).toBe(1);
  });
});

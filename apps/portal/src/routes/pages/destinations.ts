import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import {
  CreateSubscriberDestinationBody,
  DestinationIdParams,
  ReplayDestinationBody,
  RequestLiveBody,
  RotateSecretBody,
  UpdateSubscriberDestinationBody,
  type DestinationScope,
  type DestinationTestResult,
  type DestinationWithSecretView,
} from '@leadrelay/destinations';
import type { PortalFlash } from '../../services/portal-session-store.ts';
import { renderDestinationPage } from '../../views/destination-page.ts';
import { renderDestinationsPage } from '../../views/destinations-page.ts';
import { renderNewDestinationPage } from '../../views/new-destination-page.ts';
import { scopeOf } from '../v1/subscriber-scope.ts';
import { formBody, jsonField, listField, numberField, parseForm, textField, utcTimeField, type FormBody } from './form-input.ts';
import { runFormAction, sendHtml, signedInViewer, takeFlash } from './page-reply.ts';

/** Deliveries shown beside a destination, in the list and on its page. */
const recentDeliveryCount = 5;
const dayMs = 24 * 3_600_000;


function destinationFields(form: FormBody) {
  return {
    name: textField(form, 'name'),
    url: textField(form, 'url'),
    events: listField(form, 'events'),
    timeoutMs: numberField(form, 'timeoutMs'),
    filter: jsonField(form, 'filter'),
  };
}

/** After a registration or a rotation: the secret, once, with its warnings. */
function secretFlash(message: string, destination: DestinationWithSecretView): PortalFlash {
  return { kind: 'notice', message, secret: destination.secret, ...(destination.warnings.length ? { details: destination.warnings } : {}) };
}

function testFlash(result: DestinationTestResult): PortalFlash {
  const answer = result.statusCode === null ? `no answer: ${result.error ?? 'unknown error'}` : `HTTP ${result.statusCode}`;
  return {
    kind: result.accepted ? 'notice' : 'error',
    message: result.accepted ? `Test sent: your receiver answered ${answer} in ${result.durationMs} ms.` : `Test sent: your receiver did not take it (${answer}, ${result.durationMs} ms).`,
    details: [`X-Lead-Router-Message-Id: ${result.messageId}`],
    ...(result.responseBody !== null ? { preformatted: result.responseBody } : {}),
  };
}

/** `datetime-local`'s value for a time, in UTC. */
function datetimeLocalValue(time: Date): string {
  return time.toISOString().slice(0, 16);
}

/** The destinations pages: the list, registering, and one destination with its actions. */
const destinationPages: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticatePageSession);
  const { destinationRegistry: registry, deliveryDirectory, destinationTester, deliveryReplayer } = app;

  const recentDeliveries = async (scope: DestinationScope, destinationId: string) =>
    (await deliveryDirectory.list(scope, { destinationId, limit: recentDeliveryCount })).deliveries;

  app.get('/destinations', async (request, reply) => {
    const scope = scopeOf(request);
    const destinations = await registry.list(scope);
    const summaries = await Promise.all(destinations.map(async (destination) => ({ destination, recentDeliveries: await recentDeliveries(scope, destination.id) })));
    const flash = await takeFlash(request);
    return sendHtml(reply, renderDestinationsPage({ viewer: signedInViewer(request), summaries, ...(flash ? { flash } : {}) }));
  });

  app.get('/destinations/new', async (request, reply) => {
    const flash = await takeFlash(request);
    return sendHtml(reply, renderNewDestinationPage({ viewer: signedInViewer(request), ...(flash ? { flash } : {}) }));
  });

  app.post('/destinations', { schema: { operationId: 'createDestination' } }, async (request, reply) =>
    runFormAction(request, reply, '/destinations/new', async () => {
      const form = formBody(request.body);
      const input = parseForm(CreateSubscriberDestinationBody, { ...destinationFields(form), secret: textField(form, 'secret') });
      const created = await registry.create(scopeOf(request), input);
      // The audit entry's target, as the API's JSON answer gives it.
      request.answeredResourceId = created.id;
      return { redirect: `/destinations/${created.id}`, flash: secretFlash(`${created.name} is registered, in test mode.`, created) };
    }),
  );

  app.get('/destinations/:id', async (request, reply) => {
    const { id } = parseForm(DestinationIdParams, request.params);
    const scope = scopeOf(request);
    const destination = await registry.get(scope, id);
    const flash = await takeFlash(request);
    return sendHtml(
      reply,
      renderDestinationPage({
        viewer: signedInViewer(request),
        destination,
        recentDeliveries: await recentDeliveries(scope, id),
        replaySinceDefault: datetimeLocalValue(new Date(Date.now() - dayMs)),
        ...(flash ? { flash } : {}),
      }),
    );
  });

  /**
   * A POST on one destination: checks the id, then runs the action and goes back to its page. It
   * is recorded in the audit log under the API's operationId for the same change.
   */
  const destinationAction = (
    path: string,
    operationId: string,
    action: (request: FastifyRequest, scope: DestinationScope, id: string, form: FormBody) => Promise<PortalFlash>,
  ) =>
    app.post(`/destinations/:id/${path}`, { schema: { operationId } }, async (request, reply) => {
      const { id } = parseForm(DestinationIdParams, request.params);
      return runFormAction(request, reply, `/destinations/${id}`, async () => ({
        redirect: `/destinations/${id}`,
        flash: await action(request, scopeOf(request), id, formBody(request.body)),
      }));
    });

  destinationAction('edit', 'updateDestination', async (_request, scope, id, form) => {
    const input = parseForm(UpdateSubscriberDestinationBody, destinationFields(form));
    await registry.update(scope, id, input);
    return { kind: 'notice', message: 'Saved.' };
  });

  destinationAction('test', 'testDestination', async (_request, scope, id) => testFlash(await destinationTester.test(scope, id)));

  destinationAction('rotate-secret', 'rotateDestinationSecret', async (_request, scope, id, form) => {
    const { secret, switchAt } = parseForm(RotateSecretBody, {
      secret: textField(form, 'secret'),
      ...(textField(form, 'switch') === 'now' ? { switchAt: new Date().toISOString() } : {}),
    });
    const rotated = await registry.rotateSecret(scope, id, { ...(secret ? { secret } : {}), ...(switchAt ? { switchAt: new Date(switchAt) } : {}) });
    const when = rotated.secretSwitchAt ? `It signs X-Lead-Router-Signature from ${rotated.secretSwitchAt}; until then the old one does.` : 'It signs every request from now on.';
    return secretFlash(`The secret is rotated. ${when}`, rotated);
  });

  destinationAction('request-live', 'requestLive', async (_request, scope, id, form) => {
    const input = parseForm(RequestLiveBody, {
      description: textField(form, 'description'),
      partnerIdLabel: textField(form, 'partnerIdLabel'),
      partnerIdHelp: textField(form, 'partnerIdHelp'),
    });
    await registry.requestLive(scope, id, input);
    return { kind: 'notice', message: 'You asked to go live: the LeadRelay operators will review it.' };
  });

  destinationAction('enable', 'enableDestination', async (_request, scope, id) => {
    const { resumedDeliveries } = await registry.enable(scope, id);
    return { kind: 'notice', message: `Enabled again; ${resumedDeliveries} paused deliveries are being sent.` };
  });

  destinationAction('replay', 'replayDestination', async (_request, scope, id, form) => {
    const { since } = parseForm(ReplayDestinationBody, { since: utcTimeField(form, 'since') });
    const { replayed, contentExpired } = await deliveryReplayer.replayDestination(scope, id, new Date(since));
    return {
      kind: 'notice',
      message: `${replayed} failed or paused deliveries since ${since} are being sent again.`,
      ...(contentExpired ? { details: [`${contentExpired} could not be: retention removed the lead documents they send.`] } : {}),
    };
  });

  app.post('/destinations/:id/delete', { schema: { operationId: 'deleteDestination' } }, async (request, reply) => {
    const { id } = parseForm(DestinationIdParams, request.params);
    return runFormAction(request, reply, `/destinations/${id}`, async () => {
      // Without JavaScript there is no confirm dialog: the form's checkbox is the confirmation.
      if (textField(formBody(request.body), 'confirm') !== 'yes') {
        throw new AppError('validation_failed', 'tick the box to confirm the deletion', [{ path: 'confirm', message: 'is required' }]);
      }
      await registry.remove(scopeOf(request), id);
      return { redirect: '/destinations', flash: { kind: 'notice', message: 'The destination is deleted.' } };
    });
  });
};

export default destinationPages;

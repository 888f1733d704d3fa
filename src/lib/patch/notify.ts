import type {AwsSession} from '../aws/session.js'
import type {StepIO} from '../engine/types.js'

/** Publishes to the notification topic (in its own region), when one was given; a failed publish is a warning, never a reason to stop. */
export async function notify(
  session: AwsSession,
  topic: string | undefined,
  note: {subject: string; message: string},
  io: Pick<StepIO, 'signal' | 'warn'>,
): Promise<void> {
  if (!topic) return
  const {PublishCommand, SNSClient} = await import('@aws-sdk/client-sns')
  try {
    const sns = session.inRegion(topic.split(':')[3]).client(SNSClient)
    await sns.send(new PublishCommand({TopicArn: topic, Subject: note.subject.slice(0, 100), Message: note.message}), {abortSignal: io.signal})
  } catch (error) {
    if (io.signal.aborted) throw error
    io.warn(`Could not notify ${topic}: ${(error as Error).message}`)
  }
}

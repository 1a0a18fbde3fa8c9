// The one list of the web client's features, in the order of the navigation rail. Adding a feature
// is one line here (and its import); everything else lives in its folder (see web/README.md).
import type { Feature } from './feature'
import { admin } from './admin/feature'
import { experts } from './experts/feature'
import { messenger } from './messenger/feature'
import { objects } from './objects/feature'
import { sessions } from './sessions/feature'
import { support } from './support/feature'
import { video } from './video/feature'

export const features: readonly Feature[] = [messenger, objects, support, experts, video, sessions, admin]

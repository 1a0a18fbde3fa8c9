// The expert network (EXP, docs/api.md "Expert network (EXP)"): the section under /experts with its
// sub-navigation (communities, the requests registry, the curators' applications, leaderboards,
// calendar, catalog), the always-visible "Ask an expert" button, a community's page, the expert
// application (the questionnaire, its history, the curators' review), the expert profile; the
// `experts.` events.
import type { Feature } from '../feature'
import { messages } from './messages'
import { useExperts } from './store'

export const experts: Feature = {
  id: 'experts',
  routes: [
    {
      path: 'experts',
      component: () => import('./views/ExpertsLayout.vue'),
      children: [
        { path: '', name: 'experts', redirect: { name: 'experts-communities' } },
        { path: 'communities', name: 'experts-communities', component: () => import('./views/CommunitiesView.vue') },
        { path: 'communities/:communityId', name: 'experts-community', component: () => import('./views/CommunityPage.vue'), props: true },
        { path: 'requests', name: 'experts-requests', component: () => import('./views/RequestsView.vue') },
        { path: 'requests/new', name: 'experts-request-new', component: () => import('./views/NewRequestView.vue') },
        { path: 'requests/:consultationId', name: 'experts-request', component: () => import('./views/ConsultationPage.vue'), props: true },
        { path: 'applications', name: 'experts-applications', component: () => import('./views/ReviewQueue.vue') },
        { path: 'applications/:applicationId', name: 'experts-application', component: () => import('./views/ApplicationPage.vue'), props: true },
        { path: 'apply', name: 'experts-apply', component: () => import('./views/MyApplicationView.vue') },
        { path: 'profile', name: 'experts-profile', component: () => import('./views/ProfileView.vue') },
        { path: 'leaderboards', name: 'experts-leaderboards', component: () => import('./views/ComingView.vue'), props: { what: 'leaderboards', icon: 'award' } },
        { path: 'calendar', name: 'experts-calendar', component: () => import('./views/ComingView.vue'), props: { what: 'calendar', icon: 'calendar' } },
        { path: 'catalog', name: 'experts-catalog', component: () => import('./views/ComingView.vue'), props: { what: 'catalog', icon: 'layers' } },
      ],
    },
  ],
  nav: { to: '/experts', icon: 'award', label: 'nav.experts' },
  messages,
  events: ['experts.'],
  onEvent: (ev) => useExperts().onEvent(ev),
  onStart: () => useExperts().loadMe(),
  onReset: () => void useExperts().loadMe(),
  onStop: () => useExperts().clear(),
}

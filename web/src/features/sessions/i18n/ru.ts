import type en from './en'

// The sessions feature's strings in Russian; the same keys as en.ts (the type makes a missing one a
// compile error).
const ru: typeof en = {
  sessions: {
    open: 'Устройства и сеансы',
    title: 'Устройства и сеансы',
    subtitle: 'Где выполнен вход в вашу учётную запись. Завершите сеанс на устройстве, которое вам незнакомо или больше не используется.',
    thisDevice: 'Это устройство',
    unknownDevice: 'Неизвестное устройство',
    unknownAddress: 'адрес неизвестен',
    signedIn: 'Вход {time}',
    lastSeen: 'Активность {time}',
    activeNow: 'Активен сейчас',
    revoke: 'Завершить',
    revokeFor: 'Завершить сеанс {device}',
    revokeOthers: 'Завершить все другие сеансы',
    confirmRevoke: 'Завершить сеанс {device}? На нём придётся войти заново.',
    confirmOthers: 'Завершить все другие сеансы ({n})? Вход останется только на этом устройстве.',
    revoked: 'Сеанс завершён',
    revokedOthers: 'Завершён {n} другой сеанс | Завершено {n} других сеанса | Завершено {n} других сеансов',
    noOthers: 'Других сеансов нет: вход выполнен только здесь.',
    empty: 'Сеансов нет.',
    loadError: 'Не удалось загрузить сеансы.',
    back: 'Назад',
  },
}

export default ru
